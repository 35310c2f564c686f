//! A record as one line of JSON: byte for byte what `serde_json::to_writer`
//! writes (compact), with strings escaped eight bytes at a time
//! (`escape.rs`). Numbers, floats, byte arrays and map keys that are not
//! strings are written by `serde_json` itself, so their text cannot
//! differ. The tests compare both writers on hostile strings and on whole
//! records.

use super::escape::write_str;
use serde::ser::{self, Serialize};
use serde_json::Error;

/// Appends `value` to `out` as compact JSON, exactly as
/// `serde_json::to_writer(out, value)` would.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(Json { out })
}

/// Delegates one value to `serde_json` (numbers, bytes: nothing to escape).
fn delegate<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, value)
}

struct Json<'a> {
    out: &'a mut Vec<u8>,
}

/// An array or object being written; `close` ends it (`]`, `}`, or `]}` /
/// `}}` for an enum variant wrapped in an object, as serde_json does).
pub struct Compound<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    close: &'static [u8],
}

impl<'a> Compound<'a> {
    fn open(out: &'a mut Vec<u8>, variant: Option<&str>, open: u8, close: &'static [u8]) -> Self {
        if let Some(v) = variant {
            out.push(b'{');
            write_str(out, v);
            out.push(b':');
        }
        out.push(open);
        Compound { out, first: true, close }
    }

    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(Json { out: self.out })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.out, key);
        self.out.push(b':');
        value.serialize(Json { out: self.out })
    }

    fn close(self) -> Result<(), Error> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a> ser::Serializer for Json<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        delegate(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        delegate(self.out, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(Json { out: self.out })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, None, b'[', b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, Some(variant), b'[', b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, None, b'{', b"}"))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        // serde_json's private tokens (raw values, arbitrary-precision
        // numbers) are spelled out by serde_json alone; records hold none.
        if name.starts_with("$serde_json::private::") {
            return Err(ser::Error::custom(format!("`{name}` is written by serde_json only")));
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, Some(variant), b'{', b"}}"))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(Key { out: self.out })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out.push(b':');
        value.serialize(Json { out: self.out })
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A map key: a string written here; any other key (a number, a bool, an
/// error) exactly as serde_json's key serializer treats it.
struct Key<'a> {
    out: &'a mut Vec<u8>,
}

/// A map of one entry, `{key:null}`, for serde_json to write a key that is
/// not a string.
struct OneKey<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for OneKey<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &())?;
        map.end()
    }
}

impl Key<'_> {
    fn by_serde_json<T: Serialize + ?Sized>(self, key: &T) -> Result<(), Error> {
        let mut tmp = Vec::new();
        serde_json::to_writer(&mut tmp, &OneKey(key))?;
        // `{` + key + `:null}`
        self.out.extend_from_slice(&tmp[1..tmp.len() - b":null}".len()]);
        Ok(())
    }
}

/// The key methods serde_json refuses ("key must be a string"): its own
/// error, by asking it to write the same key.
macro_rules! refused_by_serde_json {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty, $refused:expr;)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<$ret, Error> {
            self.by_serde_json(&$refused)?;
            Err(ser::Error::custom("key must be a string"))
        }
    )*};
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.by_serde_json(&v)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        self.by_serde_json(&[()])?;
        Err(ser::Error::custom("key must be a string"))
    }
    refused_by_serde_json! {
        serialize_bytes(_v: &[u8]) -> (), ();
        serialize_none() -> (), ();
        serialize_unit() -> (), ();
        serialize_unit_struct(_name: &'static str) -> (), ();
        serialize_seq(_len: Option<usize>) -> Self::SerializeSeq, ();
        serialize_tuple(_len: usize) -> Self::SerializeTuple, ();
        serialize_tuple_struct(_name: &'static str, _len: usize) -> Self::SerializeTupleStruct, ();
        serialize_tuple_variant(_name: &'static str, _index: u32, _variant: &'static str, _len: usize) -> Self::SerializeTupleVariant, ();
        serialize_map(_len: Option<usize>) -> Self::SerializeMap, ();
        serialize_struct(_name: &'static str, _len: usize) -> Self::SerializeStruct, ();
        serialize_struct_variant(_name: &'static str, _index: u32, _variant: &'static str, _len: usize) -> Self::SerializeStructVariant, ();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn both<T: Serialize + ?Sized>(value: &T) -> (Vec<u8>, Vec<u8>) {
        let mut ours = Vec::new();
        write(&mut ours, value).expect("writes");
        (ours, serde_json::to_vec(value).expect("serde_json writes"))
    }

    /// Characters a hostile target (or a careless one) puts in a reply.
    fn hostile() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            4 => any::<char>(),
            4 => (0u8..0x20).prop_map(char::from),
            2 => Just('"'),
            2 => Just('\\'),
            1 => Just('\u{7f}'),
            1 => Just('\u{2028}'),
            1 => Just('\u{2029}'),
            1 => Just('\u{feff}'),
            1 => Just('é'),
            1 => Just('😀'),
            4 => proptest::char::range('a', 'z'),
        ];
        proptest::collection::vec(ch, 0..80).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn strings_are_escaped_byte_for_byte_as_serde_json_does(s in hostile()) {
            let (ours, theirs) = both(&s);
            prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        }

        #[test]
        fn nested_values_are_written_byte_for_byte_as_serde_json_does(
            keys in proptest::collection::vec(hostile(), 0..6),
            n in any::<i64>(), f in any::<f64>(), u in any::<u128>(),
        ) {
            let map: BTreeMap<String, (i64, f64, Option<u128>, Vec<String>)> =
                keys.iter().map(|k| (k.clone(), (n, f, Some(u), keys.clone()))).collect();
            let (ours, theirs) = both(&map);
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn every_byte_alone_and_in_every_position_of_a_word() {
        for b in 0u8..0x80 {
            for at in 0..17 {
                let mut s = "x".repeat(at);
                s.push(char::from(b));
                s.push_str("tail of the string");
                let (ours, theirs) = both(&s);
                assert_eq!(ours, theirs, "byte {b:#04x} at {at}");
            }
        }
    }

    #[test]
    fn values_and_enums_as_serde_json_writes_them() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(String),
            Tuple(u8, String),
            Struct { a: Option<String>, b: f32 },
        }
        let value = serde_json::json!({
            "a\"b": [1, -2, 3.5, f64::MAX, null, true, false, "\u{1}\u{1f}\\"],
            "": {"x": [], "y": {}, "z": "\u{2028}"},
        });
        let check = |(ours, theirs): (Vec<u8>, Vec<u8>)| {
            assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs))
        };
        check(both(&value));
        check(both(&vec![E::Unit, E::New("n\"".into()), E::Tuple(7, "\t".into())]));
        check(both(&E::Struct { a: None, b: f32::NAN }));
        check(both(&(b"bytes" as &[u8], 'c', '\n', (), Some(()))));
    }

    #[test]
    fn keys_that_are_not_strings_as_serde_json_writes_or_refuses_them() {
        let ints: BTreeMap<i32, u8> = [(-1, 1), (20, 2)].into();
        let (ours, theirs) = both(&ints);
        assert_eq!(ours, theirs);
        let bools: BTreeMap<bool, u8> = [(true, 1)].into();
        let (ours, theirs) = both(&bools);
        assert_eq!(ours, theirs);
        let pairs: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(serde_json::to_vec(&pairs).is_err());
        assert!(write(&mut Vec::new(), &pairs).is_err(), "refused like serde_json refuses it");
    }
}
