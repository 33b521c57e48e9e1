use clap::Parser;

fn main() {
    let args = devref::cli::Args::parse();
    std::process::exit(devref::driver::run(&args));
}
