//! The package's binary, using its library by the package's name.

use widget_driver::alias::DevPtr;

struct State {
    dev: DevPtr, //~ raw_device_ptr_field
}

fn main() {}
