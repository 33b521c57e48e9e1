// SPDX-License-Identifier: GPL-2.0

//! An old driver no patch touches: its finding is not the series' business.

use kernel::bindings;

struct Legacy {
    dev: *mut bindings::device,
}
