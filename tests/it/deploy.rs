//! The container and Kubernetes files: every manifest in
//! `deploy/kubernetes/` parses, and the fields touchpoint relies on agree —
//! the Indexed Job's completions, parallelism and `--shard I/N`, the group
//! the merge Job reads, secrets that exist, volumes that are mounted where
//! `--out` writes, one image. Each container's arguments are parsed by
//! touchpoint's own command line, with the values Kubernetes would put in.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use touchpoint::cli::{Cli, Command};
use yaml_rust2::{Yaml, YamlLoader};

fn manifests() -> BTreeMap<String, Vec<Value>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("deploy/kubernetes exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            out.insert(name, docs.iter().map(to_json).collect());
        }
    }
    out
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(r) => json!(r.parse::<f64>().unwrap()),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().map(str::to_string).unwrap_or_else(|| format!("{k:?}")), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unexpected YAML node {other:?}"),
    }
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| &v[key])
}

/// The pod spec of a Job or a CronJob.
fn pod(doc: &Value) -> &Value {
    match doc["kind"].as_str() {
        Some("Job") => at(doc, "spec.template.spec"),
        Some("CronJob") => at(doc, "spec.jobTemplate.spec.template.spec"),
        other => panic!("no pod in a {other:?}"),
    }
}

/// Parses a container's args as touchpoint would, `$(NAME)` replaced as
/// Kubernetes does from the container's env (and the completion index).
fn command(container: &Value, index: Option<u64>) -> Command {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for e in container["env"].as_array().into_iter().flatten() {
        let value = e["value"].as_str().map(str::to_string).unwrap_or_else(|| "from-a-secret".into());
        vars.insert(e["name"].as_str().unwrap().to_string(), value);
    }
    if let Some(i) = index {
        vars.insert("JOB_COMPLETION_INDEX".into(), i.to_string());
    }
    let args: Vec<String> = container["args"]
        .as_array()
        .expect("touchpoint containers give their args")
        .iter()
        .map(|a| {
            let mut a = a.as_str().expect("args are strings (quote numbers)").to_string();
            for (k, v) in &vars {
                a = a.replace(&format!("$({k})"), v);
            }
            assert!(!a.contains("$("), "{a}: a variable the container does not define");
            a
        })
        .collect();
    use clap::Parser;
    match Cli::try_parse_from(std::iter::once("touchpoint".to_string()).chain(args.clone())) {
        Ok(cli) => cli.command,
        Err(e) => panic!("touchpoint {}: {e}", args.join(" ")),
    }
}

fn env_value<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container["env"].as_array()?.iter().find(|e| e["name"] == name)
}

#[test]
fn the_kubernetes_manifests_agree_with_each_other_and_with_the_command_line() {
    let files = manifests();
    for name in ["shards-job.yaml", "merge-job.yaml", "audit-cronjob.yaml", "secret.yaml", "reports-volume.yaml"] {
        assert!(files.contains_key(name), "deploy/kubernetes/{name} is missing");
    }
    let docs: Vec<(&String, &Value)> = files.iter().flat_map(|(f, d)| d.iter().map(move |d| (f, d))).collect();
    for (file, d) in &docs {
        for field in ["apiVersion", "kind", "metadata.name"] {
            assert!(at(d, field).is_string(), "{file}: no {field}");
        }
    }
    let find = |kind: &str, name: &str| -> &Value {
        docs.iter()
            .map(|(_, d)| *d)
            .find(|d| d["kind"] == kind && at(d, "metadata.name") == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let secret = find("Secret", "touchpoint");
    let claim = at(find("PersistentVolumeClaim", "touchpoint-reports"), "metadata.name").as_str().unwrap();

    // Every pod: non-root, one image, secrets that exist, volumes mounted where --out writes.
    let mut images = Vec::new();
    for (file, d) in docs.iter().filter(|(_, d)| d["kind"] == "Job" || d["kind"] == "CronJob") {
        let spec = pod(d);
        assert_eq!(at(spec, "securityContext.runAsNonRoot"), &json!(true), "{file}");
        let volumes: BTreeMap<&str, &Value> =
            spec["volumes"].as_array().unwrap().iter().map(|v| (v["name"].as_str().unwrap(), v)).collect();
        for c in spec["containers"].as_array().unwrap() {
            images.push(c["image"].as_str().unwrap().to_string());
            for e in c["env"].as_array().into_iter().flatten() {
                if let Some(r) = e.get("valueFrom").and_then(|v| v.get("secretKeyRef")) {
                    assert_eq!(&r["name"], at(secret, "metadata.name"), "{file}: {e}");
                    let key = r["key"].as_str().unwrap();
                    assert!(at(secret, "stringData").get(key).is_some(), "{file}: the Secret has no key {key}");
                }
            }
            let mut mounts = BTreeMap::new();
            for m in c["volumeMounts"].as_array().unwrap() {
                let volume = volumes.get(m["name"].as_str().unwrap()).unwrap_or_else(|| panic!("{file}: {m}"));
                assert_eq!(at(volume, "persistentVolumeClaim.claimName"), claim, "{file}");
                mounts.insert(m["mountPath"].as_str().unwrap().to_string(), ());
            }
            let args: Vec<&str> = c["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            let out = args.iter().position(|a| *a == "--out").map(|i| args[i + 1]).expect("--out given");
            assert!(mounts.contains_key(out), "{file}: --out {out} is not a mounted volume");
        }
    }
    images.dedup();
    assert_eq!(images.len(), 1, "one image everywhere: {images:?}");

    // The Indexed Job: one pod per shard, the completion index is the shard.
    let shards = find("Job", "touchpoint-shards");
    assert_eq!(at(shards, "spec.completionMode"), "Indexed");
    let n = at(shards, "spec.completions").as_u64().unwrap();
    assert_eq!(at(shards, "spec.parallelism").as_u64(), Some(n));
    let container = &pod(shards)["containers"][0];
    let mut groups = Vec::new();
    for index in 0..n {
        match command(container, Some(index)) {
            Command::Run(args) => {
                let shard = args.shard.expect("--shard");
                assert_eq!((shard.index as u64, shard.count as u64), (index, n));
                assert_eq!(args.walk.out, PathBuf::from("/reports"));
                groups.push(args.group.expect("--group"));
            }
            other => panic!("the shard Job runs `run`, not {other:?}"),
        }
    }
    groups.dedup();
    assert_eq!(groups.len(), 1, "every shard names the same group");

    // The merge Job joins that group from the same volume, into the shared history.
    let merge = find("Job", "touchpoint-merge");
    let container = &pod(merge)["containers"][0];
    match command(container, None) {
        Command::Merge { dirs, group, out, .. } => {
            assert_eq!(group.as_ref(), Some(&groups[0]), "the merge Job reads the shards' group");
            assert_eq!(dirs, vec![PathBuf::from("/reports")]);
            assert_eq!(out, Some(PathBuf::from("/reports")));
        }
        other => panic!("the merge Job runs `merge`, not {other:?}"),
    }
    assert!(env_value(container, "TOUCHPOINT_HISTORY_URL").is_some_and(|e| e.get("valueFrom").is_some()));

    // The scheduled audit: one run per pod, history and alerts from the Secret.
    let cron = find("CronJob", "touchpoint-audit");
    assert!(at(cron, "spec.schedule").as_str().is_some_and(|s| s.split_whitespace().count() == 5));
    assert_eq!(at(cron, "spec.concurrencyPolicy"), "Forbid");
    let container = &pod(cron)["containers"][0];
    match command(container, None) {
        Command::Audit(args) => assert_eq!(args.max_runs, Some(1)),
        other => panic!("the CronJob runs `audit`, not {other:?}"),
    }
    for name in ["TOUCHPOINT_HISTORY_URL", "TOUCHPOINT_ALERT_WEBHOOK"] {
        assert!(env_value(container, name).is_some_and(|e| e.get("valueFrom").is_some()), "{name} from the Secret");
    }
}

#[test]
fn the_dockerfile_builds_the_binary_and_ships_the_example_suite_as_a_non_root_user() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("Dockerfile")).expect("a Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a builder stage and a runtime stage: {froms:?}");
    assert!(text.contains("cargo build --release --locked --bin touchpoint"));
    assert!(text.contains("USER 65532"), "runs as the non-root user");
    // Every path the build copies exists, so `docker build` finds them.
    for line in text.lines().filter(|l| l.starts_with("COPY ") && !l.contains("--from")) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(root.join(src).exists(), "{line}: {src} does not exist");
        }
    }
    // The image's default command works on the example suite it ships.
    let image_yaml = manifests();
    let shard = &image_yaml["shards-job.yaml"][0];
    let image = pod(shard)["containers"][0]["image"].as_str().unwrap();
    assert!(image.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))), "{image}: tagged with the crate version");
}
