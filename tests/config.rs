//! Configuration files, level flags and `--cap-lints`, through the built binary.

use std::path::Path;
use std::process::{Command, Output};

const RAW_FIELD: &str = "use kernel::bindings;\nstruct S {\n    dev: *mut bindings::device,\n}\n";

fn devref(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("devref runs")
}

/// `(lint, line)` of each JSON diagnostic.
fn findings(output: &Output) -> Vec<(String, String, u64)> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON");
            let span = &value["spans"][0];
            (
                value["code"]["code"].as_str().unwrap_or("").to_string(),
                value["level"].as_str().unwrap_or("").to_string(),
                span["line_start"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn config_is_found_upwards_and_sets_levels() {
    let dir = tree(&[
        ("devref.toml", "[lints]\nraw_device_ptr_field = \"deny\"\n"),
        ("drivers/a.rs", RAW_FIELD),
    ]);
    let output = devref(
        &dir.path().join("drivers"),
        &["--message-format", "json", "a.rs"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        findings(&output),
        [("devref::raw_device_ptr_field".into(), "error".into(), 3)]
    );
}

#[test]
fn dot_devref_toml_and_explicit_config() {
    let dir = tree(&[
        (".devref.toml", "[lints]\nsuspicious = \"allow\"\n"),
        ("other.toml", "[lints]\nraw_device_ptr_field = \"deny\"\n"),
        ("a.rs", RAW_FIELD),
    ]);
    let quiet = devref(dir.path(), &["--message-format", "json", "a.rs"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(findings(&quiet).is_empty());
    let loud = devref(
        dir.path(),
        &["--config", "other.toml", "--message-format", "json", "a.rs"],
    );
    assert_eq!(loud.status.code(), Some(1));
}

#[test]
fn level_flags_apply_in_order_after_the_config() {
    let dir = tree(&[
        ("devref.toml", "[lints]\nraw_device_ptr_field = \"allow\"\n"),
        ("a.rs", RAW_FIELD),
    ]);
    let json = ["--message-format", "json"];
    let run = |flags: &[&str]| {
        let mut args: Vec<&str> = json.to_vec();
        args.extend_from_slice(flags);
        args.push("a.rs");
        let output = devref(dir.path(), &args);
        (output.status.code(), findings(&output))
    };
    assert_eq!(run(&[]), (Some(0), vec![]));
    assert_eq!(
        run(&["-W", "raw_device_ptr_field"]),
        (
            Some(0),
            vec![("devref::raw_device_ptr_field".into(), "warning".into(), 3)]
        )
    );
    // Later flags win, across flag kinds.
    assert_eq!(
        run(&["-D", "suspicious", "-W", "devref::raw_device_ptr_field"]).0,
        Some(0)
    );
    assert_eq!(
        run(&["-W", "raw_device_ptr_field", "-D", "suspicious"]).0,
        Some(1)
    );
    assert_eq!(run(&["-W", "suspicious", "-D", "warnings"]).0, Some(1));
    // `forbid` is not lowered; `--cap-lints` caps everything.
    assert_eq!(
        run(&["-F", "raw_device_ptr_field", "-A", "suspicious"]).0,
        Some(1)
    );
    assert_eq!(
        run(&["-D", "raw_device_ptr_field", "--cap-lints", "warn"]),
        (
            Some(0),
            vec![("devref::raw_device_ptr_field".into(), "warning".into(), 3)]
        )
    );
}

#[test]
fn bad_configs_name_the_file_line_and_key_and_exit_2() {
    let dir = tree(&[
        (
            "devref.toml",
            "[lints]\nraw_device_ptr_field = \"warn\"\n\n[refcount]\nwords = []\n",
        ),
        ("a.rs", RAW_FIELD),
    ]);
    let output = devref(dir.path(), &["a.rs"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("devref.toml:5: invalid configuration: unknown field `words`"),
        "{stderr}"
    );

    std::fs::write(
        dir.path().join("devref.toml"),
        "[lints]\nno_such = \"deny\"\n",
    )
    .expect("write");
    let output = devref(dir.path(), &["a.rs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("devref.toml:2: unknown lint or group `no_such` in [lints]"));

    let output = devref(dir.path(), &["--config", "missing.toml", "a.rs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read `missing.toml`"));

    let output = devref(dir.path(), &["--config", "/dev/null", "-A", "nope", "a.rs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown lint or group `nope`"));
}

#[test]
fn config_devices_get_put_and_excludes() {
    let dir = tree(&[
        (
            "devref.toml",
            "exclude = [\"legacy/**\"]\n\n[devices]\n\"kernel::widget::Device\" = \"widget_device\"\n\n[refcount]\nget_put = [\"widget_get\", \"widget_put\"]\n",
        ),
        (
            "a.rs",
            "use kernel::bindings;\nstruct S {\n    w: *mut bindings::widget_device,\n}\nfn f(w: *mut bindings::widget_device) {\n    // SAFETY: `w` is valid and its reference count is non-zero.\n    unsafe { bindings::widget_get(w) };\n}\nfn g(w: *mut bindings::widget_device) {\n    unsafe { bindings::widget_put(w) };\n}\n",
        ),
        ("legacy/b.rs", RAW_FIELD),
    ]);
    let output = devref(dir.path(), &["--message-format", "json", "."]);
    assert_eq!(
        findings(&output),
        [
            ("devref::raw_device_ptr_field".into(), "warning".into(), 3),
            ("devref::manual_device_refcount".into(), "warning".into(), 7),
            // The catalogue owns the configured functions: every lint sees `widget_put` as a put.
            (
                "devref::missing_safety_comment".into(),
                "warning".into(),
                10
            ),
            (
                "devref::manual_device_refcount".into(),
                "warning".into(),
                10
            ),
        ]
    );
}

#[test]
fn pedantic_can_require_a_reason() {
    let dir = tree(&[(
        "a.rs",
        "use kernel::bindings;\nstruct S {\n    #[allow(devref::raw_device_ptr_field)]\n    dev: *mut bindings::device,\n    // devref: allow(raw_device_ptr_field) -- owned by the registration\n    other: *mut bindings::device,\n}\n",
    )]);
    let quiet = devref(dir.path(), &["--message-format", "json", "a.rs"]);
    assert!(findings(&quiet).is_empty());
    let strict = devref(
        dir.path(),
        &["--message-format", "json", "-W", "pedantic", "a.rs"],
    );
    assert_eq!(
        findings(&strict),
        [(
            "devref::suppression_without_reason".into(),
            "warning".into(),
            3
        )]
    );
}

#[test]
fn lints_and_explain_subcommands() {
    let dir = tree(&[]);
    let output = devref(dir.path(), &["lints"]);
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("raw_device_ptr_field"), "{table}");
    assert!(table.starts_with("correctness (default deny):\n"));

    let output = devref(dir.path(), &["explain", "devref::static_device_ref"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("devref::static_device_ref (group `correctness`, default `deny`)"));
    assert!(text.contains("### Why is this bad"));

    let output = devref(dir.path(), &["explain", "nope"]);
    assert_eq!(output.status.code(), Some(2));

    let output = devref(dir.path(), &["lints", "--markdown"]);
    let expected =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints.md"))
            .expect("docs/lints.md");
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

#[test]
fn cfg_test_items_are_left_out_unless_configured() {
    let code = "use kernel::bindings;\nstruct Kept {\n    dev: *mut bindings::device,\n}\n#[cfg(test)]\nmod tests {\n    struct Test {\n        dev: *mut kernel::bindings::device,\n    }\n}\n#[cfg(all(test, CONFIG_X))]\nstruct AlsoTest {\n    dev: *mut kernel::bindings::device,\n}\n";
    let quiet = tree(&[("a.rs", code)]);
    let output = devref(quiet.path(), &["--message-format", "json", "."]);
    assert_eq!(
        findings(&output),
        [("devref::raw_device_ptr_field".into(), "warning".into(), 3)]
    );
    let linted = tree(&[("devref.toml", "lint_cfg_test = true\n"), ("a.rs", code)]);
    let output = devref(linted.path(), &["--message-format", "json", "."]);
    assert_eq!(
        findings(&output),
        [
            ("devref::raw_device_ptr_field".into(), "warning".into(), 3),
            ("devref::raw_device_ptr_field".into(), "warning".into(), 8),
            ("devref::raw_device_ptr_field".into(), "warning".into(), 13),
        ]
    );
}

/// A `rust-project.json` laid out as `make LLVM=1 rust-analyzer` writes it names the crates: the
/// crate rooted at `lib/widgets.rs` is `widget_core`, which the driver names (by its path alone it
/// would be `widgets`).
#[test]
fn rust_project_json_names_the_crates() {
    const PROJECT: &str = r#"{
  "crates": [
    {
      "display_name": "core",
      "root_module": "/usr/lib/rustlib/src/rust/library/core/src/lib.rs",
      "deps": [],
      "cfg": [],
      "edition": "2021",
      "env": {},
      "is_workspace_member": false,
      "is_proc_macro": false
    },
    {
      "display_name": "widget_core",
      "root_module": "lib/widgets.rs",
      "deps": [{"crate": 0, "name": "core"}],
      "cfg": ["CONFIG_WIDGET"],
      "edition": "2021",
      "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
      "is_workspace_member": true,
      "is_proc_macro": false
    },
    {
      "display_name": "widget_driver",
      "root_module": "drivers/widget_driver.rs",
      "deps": [{"crate": 0, "name": "core"}, {"crate": 1, "name": "widget_core"}],
      "cfg": [],
      "edition": "2021",
      "env": {},
      "is_workspace_member": true,
      "is_proc_macro": false
    }
  ],
  "sysroot": "/usr/lib/rustlib",
  "sysroot_src": "/usr/lib/rustlib/src/rust/library"
}
"#;
    let files = [
        (
            "lib/widgets.rs",
            "use kernel::bindings;\nuse kernel::types::Opaque;\n#[repr(transparent)]\npub struct Device(Opaque<bindings::widget_device>);\nimpl AsRef<kernel::device::Device> for Device {\n    fn as_ref(&self) -> &kernel::device::Device {\n        // SAFETY: `dev` is embedded in `self`, which the borrow keeps alive.\n        unsafe { kernel::device::Device::from_raw(&raw mut (*self.0.get()).dev) }\n    }\n}\n",
        ),
        (
            "drivers/widget_driver.rs",
            "struct Data {\n    widget: &'static widget_core::Device,\n}\n",
        ),
    ];
    let guessed = tree(&files);
    let output = devref(guessed.path(), &["--message-format", "json", "."]);
    assert_eq!(findings(&output), []);
    let mut with_project = files.to_vec();
    with_project.push(("rust-project.json", PROJECT));
    let named = tree(&with_project);
    let output = devref(named.path(), &["--message-format", "json", "."]);
    assert_eq!(
        findings(&output),
        [("devref::static_device_ref".into(), "error".into(), 2)]
    );
    // Named on the command line instead; a file that is no project is an error.
    let output = devref(
        guessed.path(),
        &["--message-format", "json", "--project", "missing.json", "."],
    );
    assert_eq!(output.status.code(), Some(2));
}
