// missing_safety_comment: every place kernel code puts a SAFETY comment is accepted; an in-scope
// `unsafe` block without one is reported. The `kernel` crate is not linted here, so the built-in
// knowledge of its device abstractions applies. Every comment below states the reference count, so
// `safety_comment_missing_refcount` has nothing to say.

use core::ptr::NonNull;
use kernel::bindings;
use kernel::device::Device;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::aref::{ARef, AlwaysRefCounted};
use kernel::types::Opaque;

// --- Accepted placements ------------------------------------------------------------------------

fn line_above(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the caller holds a reference, so the reference count is non-zero during this call.
    unsafe { Device::get_device(ptr) }
}

fn above_let(ptr: *mut bindings::device) {
    // SAFETY: the driver core holds a reference for the whole callback: the refcount is non-zero.
    let dev = unsafe { Device::from_raw(ptr) };
    use_dev(dev);
}

fn above_multi_line_statement(ptr: *mut bindings::device) {
    // SAFETY: the bus holds a reference for the duration of the callback, so the reference count
    // is non-zero while `dev` exists.
    let dev =
        unsafe { Device::from_raw(ptr) };
    use_dev(dev);
}

fn above_assignment(ptr: *mut bindings::device, slot: &mut Option<ARef<Device>>) {
    // SAFETY: `ptr` holds a reference owned by the caller for this call.
    *slot = Some(unsafe { Device::get_device(ptr) });
}

fn single_line_attribute(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the caller owns a reference on `ptr`, so its reference count is non-zero.
    #[allow(clippy::undocumented_unsafe_blocks)]
    unsafe {
        Device::get_device(ptr)
    }
}

fn multi_line_attribute(ptr: *mut bindings::device) {
    // SAFETY: the caller owns a reference on `ptr`, so its reference count is non-zero.
    #[cfg(any(
        CONFIG_PRINTK,
        CONFIG_DEBUG
    ))]
    unsafe {
        Device::get_device(ptr);
    }
}

fn comment_between_attribute_and_block(ptr: *mut bindings::device) {
    #[cfg(CONFIG_PRINTK)]
    // SAFETY: the caller owns a reference on `ptr`, so its reference count is non-zero.
    unsafe {
        Device::get_device(ptr);
    }
}

fn attribute_on_let(ptr: *mut bindings::device) {
    // SAFETY: the bus holds a reference on `ptr` until the callback returns (refcount non-zero).
    #[allow(unused_variables)]
    let dev = unsafe { Device::from_raw(ptr) };
}

fn trailing(ptr: *mut bindings::device) {
    let dev = unsafe { Device::get_device(ptr) }; // SAFETY: the caller holds a reference.
    drop(dev);
}

fn trailing_after_multi_line_block(ptr: *mut bindings::device) {
    let dev = unsafe {
        Device::get_device(ptr)
    }; // SAFETY: the caller holds a reference.
    drop(dev);
}

fn first_line_inside(ptr: *mut bindings::device) -> ARef<Device> {
    unsafe {
        // SAFETY: the caller holds a reference for this call.
        Device::get_device(ptr)
    }
}

fn first_line_inside_same_line(ptr: *mut bindings::device) -> ARef<Device> {
    unsafe { // SAFETY: the caller holds a reference for this call.
        Device::get_device(ptr)
    }
}

fn multi_line_group_with_invariant(ptr: *mut bindings::pci_dev) {
    // SAFETY: The PCI bus only calls probe with a valid `struct pci_dev`, and the driver core
    // holds a reference to it, so its reference count is non-zero until probe returns.
    //
    // INVARIANT: `pdev` is valid for the duration of `probe_callback()`.
    let pdev = unsafe { &*ptr.cast::<pci::Device>() };
    use_pci(pdev);
}

fn invariant_first_then_safety(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // INVARIANT: the device is not registered yet.
    // SAFETY: `raw` owns the initial reference, which the `ARef` takes over.
    unsafe { ARef::from_raw(raw) }
}

fn prose_first_then_safety(ptr: *mut bindings::device) {
    // `remove()` has completed at this point.
    //
    // SAFETY: the caller still owns a reference, so the refcount is non-zero.
    unsafe { bindings::put_device(ptr) }; //~ manual_device_refcount
}

fn bullets(ptr: *mut bindings::device) {
    // SAFETY:
    // - `ptr` is valid and non-null.
    // - The caller holds a reference for as long as `dev` exists.
    let dev = unsafe { Device::from_raw(ptr) };
    use_dev(dev);
}

fn block_comment_above(ptr: *mut bindings::device) -> ARef<Device> {
    /* SAFETY: the caller holds a reference for this call. */
    unsafe { Device::get_device(ptr) }
}

fn block_comment_inline(ptr: *mut bindings::device) -> ARef<Device> {
    /* SAFETY: the caller holds a reference for this call. */ unsafe { Device::get_device(ptr) }
}

fn multi_line_block_comment(ptr: *mut bindings::device) -> ARef<Device> {
    /*
     * SAFETY: the caller holds a reference for this call, so the reference count is
     * non-zero.
     */
    unsafe { Device::get_device(ptr) }
}

fn nested_in_expressions<'a>(_anchor: &'a Device, ptr: *mut bindings::device) -> Result<&'a Device> {
    if ptr.is_null() {
        // SAFETY: never reached with a null pointer; the refcount is non-zero (test only).
        return Ok(unsafe { Device::from_raw(ptr) });
    }
    // SAFETY: the device is never released, its reference count never drops to zero.
    Ok(unsafe { Device::from_raw(ptr) })
}

fn method_on_block(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the caller holds a reference during this call; `into()` takes our own.
    unsafe { Device::from_raw(ptr) }.into()
}

fn call_arguments(ptr: *mut bindings::device, other: *mut bindings::device) {
    use_two(
        // SAFETY: the caller holds a reference on `ptr` for this call.
        unsafe { Device::from_raw(ptr) },
        // SAFETY: the caller holds a reference on `other` for this call.
        unsafe { Device::from_raw(other) },
    );
}

fn match_arm(ptr: Option<*mut bindings::device>) -> Option<ARef<Device>> {
    match ptr {
        // SAFETY: the caller holds a reference on `p` for this call.
        Some(p) => Some(unsafe { Device::get_device(p) }),
        None => None,
    }
}

fn closure(ptrs: &[*mut bindings::device]) {
    // SAFETY: the caller holds a reference on every pointer for this call.
    ptrs.iter().for_each(|p| drop(unsafe { Device::get_device(*p) }));
}

struct Data {
    dev: ARef<Device>,
}

fn macro_arguments(ptr: *mut bindings::device) -> impl PinInit<Data> {
    pr_info!(
        "{:?}\n",
        // SAFETY: the caller holds a reference on `ptr` for this call.
        unsafe { Device::from_raw(ptr) }
    );
    try_pin_init!(Data {
        // SAFETY: the caller holds a reference on `ptr`, so the refcount is non-zero here.
        dev: unsafe { Device::get_device(ptr) },
    })
}

fn one_comment_several_calls(chip: *mut bindings::device, pwm: *mut bindings::device) {
    // SAFETY: both pointers carry references the caller holds for this call (refcounts non-zero).
    let (a, b) = unsafe { (Device::from_raw(chip), Device::from_raw(pwm)) };
    use_two(a, b);
}

/// A device of this file: counted with `get_device`/`put_device`.
#[repr(transparent)]
struct Local(Opaque<bindings::device>);

/// SAFETY: Instances of `Local` are always reference-counted (doc-comment style, as in `opp.rs`).
unsafe impl AlwaysRefCounted for Local {
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference guarantees that the refcount is non-zero.
        unsafe { bindings::get_device(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is non-zero.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}

#[repr(transparent)]
struct Other(Opaque<bindings::device>);

// SAFETY: Instances of `Other` are always reference-counted.
#[cfg(CONFIG_OTHER)]
unsafe impl AlwaysRefCounted for Other {
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference guarantees that the refcount is non-zero.
        unsafe { bindings::get_device(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is non-zero.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}

// --- Not in scope: no comment needed ------------------------------------------------------------

fn not_refcount_sensitive(ptr: *mut u8) {
    unsafe { ptr.write(0) };
}

fn pwm_is_not_a_device(ptr: *mut bindings::pwm_device) {
    let pwm = unsafe { kernel::pwm::Device::from_raw(ptr) };
    use_pwm(pwm);
}

/// A local type that is not a device: its `from_raw` is judged by its own contract.
struct Buffer(*mut u8);

impl Buffer {
    /// # Safety
    ///
    /// `ptr` must be valid for reads.
    unsafe fn from_raw<'a>(ptr: *mut u8) -> &'a Buffer {
        // SAFETY: for the test.
        unsafe { &*ptr.cast() }
    }
}

fn local_non_device_from_raw(ptr: *mut u8) {
    let buffer = unsafe { Buffer::from_raw(ptr) };
    use_buffer(buffer);
}

fn reference_round_trip(dev: &pci::Device) -> &pci::Device {
    let ptr = core::ptr::from_ref(dev);
    unsafe { &*ptr.cast::<pci::Device>() }
}

fn macro_argument_is_not_a_block() {
    // SAFETY: `Device` is a transparent wrapper.
    kernel::impl_device_context_deref!(unsafe { Device });
}

// --- Reported -----------------------------------------------------------------------------------

fn no_comment(ptr: *mut bindings::device) {
    let dev = unsafe { Device::from_raw(ptr) }; //~ missing_safety_comment
    use_dev(dev);
}

fn no_comment_get_put(ptr: *mut bindings::pci_dev) {
    unsafe { bindings::pci_dev_get(ptr) }; //~ missing_safety_comment, manual_device_refcount
    unsafe { bindings::pci_dev_put(ptr) }; //~ missing_safety_comment, manual_device_refcount
}

fn no_comment_deref(ptr: *mut bindings::pci_dev) {
    let pdev = unsafe { &*ptr.cast::<pci::Device>() }; //~ missing_safety_comment
    use_pci(pdev);
}

fn no_comment_aref(ptr: *mut bindings::pci_dev) -> ARef<pci::Device> {
    unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast::<pci::Device>())) } //~ missing_safety_comment
}

fn no_comment_dec_ref(obj: NonNull<pci::Device>) {
    unsafe { <pci::Device as AlwaysRefCounted>::dec_ref(obj) }; //~ missing_safety_comment
}

fn comment_separated_by_code(ptr: *mut bindings::device) {
    // SAFETY: the caller owns a reference, so the refcount is non-zero.
    let unrelated = 1;
    unsafe { Device::get_device(ptr) }; //~ missing_safety_comment
}

fn comment_above_if_does_not_cover_its_body(ptr: *mut bindings::device) {
    // SAFETY: the caller owns a reference, so the refcount is non-zero.
    if !ptr.is_null() {
        unsafe { Device::get_device(ptr) }; //~ missing_safety_comment
    }
}

fn one_comment_belongs_to_one_block(a: *mut bindings::device, b: *mut bindings::device) {
    // SAFETY: the caller owns a reference on `a`, so its refcount is non-zero.
    use_two(unsafe { Device::from_raw(a) }, unsafe { Device::from_raw(b) }); //~ missing_safety_comment
}

fn not_a_safety_comment(ptr: *mut bindings::device) {
    // The caller owns a reference, so the refcount is non-zero.
    unsafe { Device::get_device(ptr) }; //~ missing_safety_comment
}

#[repr(transparent)]
struct Undocumented(Opaque<bindings::device>);

unsafe impl AlwaysRefCounted for Undocumented { //~ missing_safety_comment
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference guarantees that the refcount is non-zero.
        unsafe { bindings::get_device(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is non-zero.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}

fn in_a_macro_argument(ptr: *mut bindings::device) {
    pr_info!("{:?}\n", unsafe { Device::from_raw(ptr) }); //~ missing_safety_comment
}

fn use_dev(_dev: &Device) {}
fn use_pci(_dev: &pci::Device) {}
fn use_two(_a: &Device, _b: &Device) {}
fn use_pwm<T>(_pwm: T) {}
fn use_buffer(_buffer: &Buffer) {}
