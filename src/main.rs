/// mimalloc: a whole `devref` run on Linux 7.3 takes a fifth less time than with the system
/// allocator (figures in `bench/RESULTS.md`): syn allocates a node per token, and mimalloc serves
/// small allocations faster. Its huge pages are turned off (see `devref::without_huge_pages`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    devref::without_huge_pages();
    let (cli, _) = devref::cli::parse_from(std::env::args_os(), "devref");
    std::process::exit(devref::driver::dispatch(cli));
}
