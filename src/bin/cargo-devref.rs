//! `cargo devref`: lints the files that the module trees of the current package's targets reach
//! (see [`devref::cargo`]).

fn main() {
    std::process::exit(devref::cargo::main(std::env::args_os().collect()));
}
