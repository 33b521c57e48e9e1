fn main() {
    let (cli, _) = devref::cli::parse_from(std::env::args_os(), "devref");
    std::process::exit(devref::driver::dispatch(cli));
}
