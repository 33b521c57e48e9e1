// unbounded_device_ref: references made from raw pointers, followed within a function to where they
// are stored.
//! devref: allow(safety_docs) -- this fixture tests another lint; the safety-contract lints have their own

use kernel::bindings;
use kernel::device::Device;
use kernel::pci;
use kernel::sync::aref::ARef;

struct Holder<'a> {
    dev: &'a Device,
}

struct PciHolder<'a> {
    pdev: Option<&'a pci::Device>,
}

struct Counted {
    dev: ARef<Device>,
}

static mut LAST: Option<&'static Device> = None; //~ static_device_ref

// --- Reported -----------------------------------------------------------------------------------

fn shorthand_field(ptr: *mut bindings::device) -> Holder<'static> {
    // SAFETY: for the test.
    let dev = unsafe { Device::from_raw(ptr) };
    Holder { dev } //~ unbounded_device_ref
}

/// A macro's arguments that name the local holding the reference.
fn local_stored_in_macro_arguments(ptr: *mut bindings::device) -> impl PinInit<Holder<'static>, Error> {
    // SAFETY: for the test.
    let dev = unsafe { Device::from_raw(ptr) };
    pin_init!(Holder { dev }) //~ unbounded_device_ref
}

/// A macro inside the `unsafe` block that makes the reference.
fn macro_inside_the_unsafe_block(ptr: *mut bindings::device) -> Holder<'static> {
    // SAFETY: for the test.
    unsafe { identity!(Holder { dev: Device::from_raw(ptr) }) } //~ unbounded_device_ref
}

// A function written inside a macro's arguments is walked like any other.
wraps_items! {
    fn written_in_a_macro(ptr: *mut bindings::device) -> Holder<'static> {
        // SAFETY: for the test.
        let dev = unsafe { Device::from_raw(ptr) };
        Holder { dev } //~ unbounded_device_ref
    }
}

fn through_moves_and_shadowing(ptr: *mut bindings::device) -> Holder<'static> {
    let first = unsafe { Device::from_raw(ptr) };
    let second = first;
    let dev = second;
    Holder { dev: dev } //~ unbounded_device_ref
}

fn field_assignment(holder: &mut Holder<'static>, ptr: *mut bindings::device) {
    holder.dev = unsafe { Device::from_raw(ptr) }; //~ unbounded_device_ref
}

fn into_static(ptr: *mut bindings::device) {
    let dev = unsafe { Device::from_raw(ptr) };
    unsafe { LAST = Some(dev) }; //~ unbounded_device_ref
}

fn returned<'a>(ptr: *mut bindings::device) -> &'a Device {
    unsafe { Device::from_raw(ptr) } //~ unbounded_device_ref
}

fn returned_static(ptr: *mut bindings::device) -> Result<&'static Device, ()> {
    let dev = unsafe { Device::from_raw(ptr) };
    Ok(dev) //~ unbounded_device_ref
}

fn early_return<'a>(ptr: *mut bindings::device, fallback: &'a Device) -> &'static Device {
    if ptr.is_null() {
        return unsafe { Device::from_raw(ptr) }; //~ unbounded_device_ref
    }
    unreachable()
}

fn cast_turbofish(ptr: *mut bindings::pci_dev) -> PciHolder<'static> {
    let pdev = unsafe { &*ptr.cast::<pci::Device>() };
    PciHolder { pdev: Some(pdev) } //~ unbounded_device_ref
}

fn cast_as(ptr: *mut bindings::device) -> Holder<'static> {
    Holder {
        dev: unsafe { &*(ptr as *const Device) }, //~ unbounded_device_ref
    }
}

fn cast_inferred(ptr: *mut bindings::device) -> Holder<'static> {
    let dev: &Device = unsafe { &*ptr.cast() };
    Holder { dev } //~ unbounded_device_ref
}

fn deref_param(ptr: *const bindings::device, out: &mut Option<&'static bindings::device>) {
    let raw = unsafe { &*ptr };
    *out = Some(raw);
    let keep = Raw { dev: raw }; //~ unbounded_device_ref
}

struct Raw<'a> {
    dev: &'a bindings::device,
}

fn transmuted(ptr: *mut bindings::device) -> Holder<'static> {
    let dev = unsafe { core::mem::transmute::<_, &Device>(ptr) };
    Holder { dev } //~ unbounded_device_ref
}

fn older_api(ptr: *mut bindings::device) -> Holder<'static> {
    Holder {
        dev: unsafe { Device::as_ref(ptr) }, //~ unbounded_device_ref
    }
}

struct Data<'a> {
    dev: &'a Device,
    count: u32,
}

impl Data<'static> { //~ device_lifetime_escape
    fn new(ptr: *mut bindings::device) -> impl PinInit<Self, Error> {
        pin_init!(Self {
            dev: unsafe { Device::from_raw(ptr) }, //~ unbounded_device_ref
            count <- new_counter(),
        })
    }
}

// --- Not reported -------------------------------------------------------------------------------

/// A callback adapter: the reference is used and dropped inside the call.
unsafe extern "C" fn read_status_callback(ptr: *mut bindings::device) -> i32 {
    // SAFETY: the C side passes a valid device for the duration of the callback.
    let dev = unsafe { Device::from_raw(ptr) };
    read_status(dev)
}

fn counted(ptr: *mut bindings::device) -> Counted {
    // SAFETY: for the test.
    let dev: ARef<Device> = unsafe { Device::from_raw(ptr) }.into();
    Counted { dev }
}

fn shadowed(ptr: *mut bindings::device, other: &'static Device) -> Holder<'static> {
    let dev = unsafe { Device::from_raw(ptr) };
    read_status(dev);
    let dev = other;
    Holder { dev }
}

struct Wrapper {
    ptr: *mut bindings::device, //~ raw_device_ptr_field
}

impl Wrapper {
    /// The returned borrow is tied to `&self`.
    fn dev(&self) -> &Device {
        // SAFETY: for the test.
        unsafe { Device::from_raw(self.ptr) }
    }
}

/// The caller promises the lifetime.
unsafe fn from_raw_unchecked<'a>(ptr: *mut bindings::device) -> &'a Device {
    unsafe { Device::from_raw(ptr) }
}

mod pwm {
    pub struct Chip;

    impl Chip {
        pub unsafe fn from_raw<'a>(_ptr: *mut u8) -> &'a Chip {
            &Chip
        }
    }
}

struct ChipHolder<'a> {
    chip: &'a pwm::Chip,
}

fn not_a_device(ptr: *mut u8) -> ChipHolder<'static> {
    let chip = unsafe { pwm::Chip::from_raw(ptr) };
    ChipHolder { chip }
}

fn bytes(ptr: *const u8) -> &'static u8 {
    unsafe { &*ptr }
}

/// No `unsafe` block: devref does not expand macros, so one that hides `unsafe` in its own
/// definition is not followed (kernel code writes `unsafe` and its SAFETY comment at the call).
fn hidden_unsafe(ptr: *mut bindings::device) -> Holder<'static> {
    // The macro's own `unsafe` block is out of sight.
    wraps_unsafe!(Holder {
        dev: Device::from_raw(ptr),
    })
}
