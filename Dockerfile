# touchpoint in a container: a Rust builder stage, then a small runtime image
# (distroless "cc": glibc and libgcc only, no shell, a non-root user).
#
#   docker build -t touchpoint:0.1.0 .
#   docker run --rm touchpoint:0.1.0                 # the example suite against the embedded demo (exit 4: its planted findings)
#   docker run --rm -v "$PWD/reports:/reports" touchpoint:0.1.0 run --out /reports
#
# The binary needs no system certificates (rustls with the Mozilla roots
# compiled in) and no OpenSSL; SQLite is compiled in.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY templates templates
COPY benches benches
COPY examples examples
# No debug info in the image's binary (the release profile keeps some for profiling).
ENV CARGO_PROFILE_RELEASE_DEBUG=0
RUN cargo build --release --locked --bin touchpoint \
 && strip target/release/touchpoint \
 && cp target/release/touchpoint /touchpoint

FROM gcr.io/distroless/cc-debian12:nonroot
# /home/nonroot is the non-root user's (uid 65532) own, so `touchpoint run`
# with no arguments finds scenarios/acme and can write reports/ here.
WORKDIR /home/nonroot
COPY --from=build /touchpoint /usr/local/bin/touchpoint
COPY scenarios/acme scenarios/acme
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/touchpoint"]
CMD ["run"]
