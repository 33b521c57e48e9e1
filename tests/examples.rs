//! The example tree the README's first command lints: its findings stay what the README promises.

use std::process::Command;

#[test]
fn example_driver_tree_findings() {
    let output = Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--no-cache",
            "--message-format",
            "short",
            "examples/driver-tree",
        ])
        .output()
        .expect("devref runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "only warnings: the README command exits 0"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let found: Vec<(String, String)> = stdout
        .lines()
        .map(|line| {
            let place = line.split(": ").next().unwrap_or("").to_string();
            let lint = line
                .rsplit('[')
                .next()
                .unwrap_or("")
                .trim_end_matches(']')
                .to_string();
            (place, lint)
        })
        .collect();
    let legacy = "examples/driver-tree/drivers/misc/legacy_sensor.rs";
    let expected = [
        ("14:11", "raw_device_ptr_field"),
        ("16:20", "raw_device_ptr_field"),
        ("30:28", "safety_comment_missing_refcount"),
        ("36:9", "missing_safety_comment"),
        ("36:18", "manual_device_refcount"),
    ]
    .map(|(at, lint)| (format!("{legacy}:{at}"), format!("devref::{lint}")));
    assert_eq!(found, expected, "{stdout}");
}
