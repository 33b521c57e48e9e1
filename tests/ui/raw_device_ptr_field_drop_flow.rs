// raw_device_ptr_field: what a `Drop` does with a field before it releases it, and the calls that
// release something else.
//! devref: allow(manual_device_refcount, safety_docs) -- this fixture tests which fields a `Drop` owns

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::sync::aref::{ARef, AlwaysRefCounted};
use kernel::sync::SpinLock;

// --- Owned: the `Drop` releases what the field held ----------------------------------------------

pub struct SwapThenWrap {
    dev: AtomicPtr<bindings::device>,
}

impl Drop for SwapThenWrap {
    fn drop(&mut self) {
        let dev = self.dev.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if let Some(dev) = NonNull::new(dev) {
            unsafe { bindings::put_device(dev.as_ptr()) };
        }
    }
}

pub struct RebindFromLocal {
    sdev: Option<NonNull<bindings::device>>,
}

impl Drop for RebindFromLocal {
    fn drop(&mut self) {
        let sdev = self.sdev.take();
        if let Some(sdev) = sdev {
            unsafe { bindings::put_device(sdev.as_ptr()) };
        }
    }
}

pub struct TakeThenMap {
    phydev: Option<NonNull<bindings::device>>,
}

impl Drop for TakeThenMap {
    fn drop(&mut self) {
        self.phydev
            .take()
            .map(|dev| unsafe { bindings::put_device(dev.as_ptr()) });
    }
}

pub struct Locked {
    pdev: SpinLock<Option<NonNull<bindings::pci_dev>>>,
}

impl Drop for Locked {
    fn drop(&mut self) {
        if let Some(pdev) = self.pdev.lock().take() {
            unsafe { bindings::pci_dev_put(pdev.as_ptr()) };
        }
    }
}

pub struct Popped {
    children: KVec<*mut bindings::device>,
}

impl Drop for Popped {
    fn drop(&mut self) {
        while let Some(child) = self.children.pop() {
            unsafe { bindings::put_device(child) };
        }
    }
}

pub struct ReadInUnsafe {
    client: core::cell::Cell<*mut bindings::device>,
}

impl Drop for ReadInUnsafe {
    fn drop(&mut self) {
        let client = unsafe { *self.client.as_ptr() };
        unsafe { bindings::put_device(client) };
    }
}

#[pin_data(PinnedDrop)]
pub struct PinnedTake {
    dev: Option<NonNull<bindings::device>>,
}

#[pinned_drop]
impl PinnedDrop for PinnedTake {
    fn drop(self: Pin<&mut Self>) {
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(dev) = this.dev.take() {
            unsafe { bindings::put_device(dev.as_ptr()) };
        }
    }
}

/// The `struct device` embedded in the field's PCI device shares its reference count.
pub struct PutsEmbedded {
    pdev: *mut bindings::pci_dev,
}

impl Drop for PutsEmbedded {
    fn drop(&mut self) {
        unsafe { bindings::put_device(&raw mut (*self.pdev).dev) };
    }
}

/// `Drop` hands the field to a helper of its own type that puts it.
pub struct ReleasedByAssocHelper {
    dev: *mut bindings::device,
}

impl ReleasedByAssocHelper {
    fn release(dev: *mut bindings::device) {
        unsafe { bindings::put_device(dev) };
    }
}

impl Drop for ReleasedByAssocHelper {
    fn drop(&mut self) {
        Self::release(self.dev);
    }
}

/// `Drop` hands the field to a free fn that unregisters it.
pub struct UnregisteredByHelper {
    client: NonNull<bindings::i2c_client>,
}

fn unregister(client: NonNull<bindings::i2c_client>) {
    unsafe { bindings::i2c_unregister_device(client.as_ptr()) };
}

impl Drop for UnregisteredByHelper {
    fn drop(&mut self) {
        unregister(self.client);
    }
}

/// Each element drained and put in a closure.
pub struct DrainedForEach {
    devs: KVec<*mut bindings::device>,
}

impl Drop for DrainedForEach {
    fn drop(&mut self) {
        self.devs
            .drain(..)
            .for_each(|dev| unsafe { bindings::put_device(dev) });
    }
}

/// Fields bound out of `self` by a pattern.
pub struct Destructured {
    supplier: *mut bindings::device,
}

impl Drop for Destructured {
    fn drop(&mut self) {
        let Self { supplier } = self;
        unsafe { bindings::put_device(*supplier) };
    }
}

pub enum AuxState {
    Registered(NonNull<bindings::auxiliary_device>),
    Unregistered,
}

impl Drop for AuxState {
    fn drop(&mut self) {
        if let AuxState::Registered(adev) = self {
            unsafe { bindings::auxiliary_device_delete(adev.as_ptr()) };
            unsafe { bindings::auxiliary_device_uninit(adev.as_ptr()) };
        }
    }
}

/// The kernel crate's own put, and the final puts of devices never registered.
pub struct OtherPuts {
    pdev: NonNull<kernel::pci::Device>,
    input: *mut bindings::input_dev,
    ndev: *mut bindings::net_device,
    dev: NonNull<kernel::device::Device>,
}

impl Drop for OtherPuts {
    fn drop(&mut self) {
        unsafe { <kernel::pci::Device as AlwaysRefCounted>::dec_ref(self.pdev) };
        unsafe { bindings::input_free_device(self.input) };
        unsafe { bindings::free_netdev(self.ndev) };
        unsafe { bindings::put_device(self.dev.as_ref().as_raw()) };
    }
}

/// Each element handed to a function by path. A helper that passes the pointer on to another is
/// not followed: its body names no `unsafe` and is blanked before lowering.
pub struct ByPath {
    devs: KVec<*mut bindings::device>,
    pdev: *mut bindings::pci_dev, //~ raw_device_ptr_field
}

fn put_one(dev: *mut bindings::device) {
    unsafe { bindings::put_device(dev) };
}

fn release_function(pdev: *mut bindings::pci_dev) {
    put_pci(pdev);
}

fn put_pci(pdev: *mut bindings::pci_dev) {
    unsafe { bindings::pci_dev_put(pdev) };
}

impl Drop for ByPath {
    fn drop(&mut self) {
        self.devs.drain(..).for_each(put_one);
        release_function(self.pdev);
    }
}

/// Only the variant that owns its device puts it.
pub enum Link {
    Owned { dev: *mut bindings::device },
    Borrowed { dev: *mut bindings::device }, //~ raw_device_ptr_field
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Link::Owned { dev } = self {
            unsafe { bindings::put_device(*dev) };
        }
    }
}

/// A `Clone` that takes its own reference keeps the `Drop` right.
pub struct CountedClone {
    dev: *mut bindings::device,
}

impl Clone for CountedClone {
    fn clone(&self) -> Self {
        unsafe { bindings::get_device(self.dev) };
        Self { dev: self.dev }
    }
}

impl Drop for CountedClone {
    fn drop(&mut self) {
        unsafe { bindings::put_device(self.dev) };
    }
}

/// The devres owner of a `devm_*` unregistration is a key; the object is what is released.
pub struct Backlight {
    dev: *mut bindings::device, //~ raw_device_ptr_field
    bd: *mut bindings::backlight_device,
}

impl Drop for Backlight {
    fn drop(&mut self) {
        unsafe { bindings::devm_backlight_device_unregister(self.dev, self.bd) };
    }
}

/// `Drop` calls a method of the type that releases the field.
pub struct Port {
    dev: Option<NonNull<bindings::device>>,
}

impl Port {
    fn release(&mut self) {
        if let Some(dev) = self.dev.take() {
            unsafe { bindings::put_device(dev.as_ptr()) };
        }
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        self.release();
    }
}

/// `Drop` lends the field to a helper that takes the pointer out and puts it.
pub struct Companion {
    dev: Option<NonNull<bindings::device>>,
}

fn put_opt(dev: &mut Option<NonNull<bindings::device>>) {
    if let Some(dev) = dev.take() {
        unsafe { bindings::put_device(dev.as_ptr()) };
    }
}

impl Drop for Companion {
    fn drop(&mut self) {
        put_opt(&mut self.dev);
    }
}

// --- Reported: the `Drop` releases something else ------------------------------------------------

/// A DMA buffer freed with the device as an argument: no device reference is released.
pub struct DmaBuffer {
    dev: *mut bindings::device, //~ raw_device_ptr_field
    cpu: *mut u8,
    handle: u64,
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        unsafe { bindings::dma_free_coherent(self.dev, 4096, self.cpu.cast(), self.handle) };
    }
}

/// The device as an IRQ cookie, a runtime-PM count and an OF node: none is the device's reference.
pub struct Cookies {
    irq_dev: NonNull<bindings::device>, //~ raw_device_ptr_field
    pm_dev: *mut bindings::device, //~ raw_device_ptr_field
    of_dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for Cookies {
    fn drop(&mut self) {
        unsafe { bindings::free_irq(7, self.irq_dev.as_ptr().cast()) };
        unsafe { bindings::pm_runtime_put_autosuspend(self.pm_dev) };
        let of_dev = self.of_dev;
        unsafe { bindings::of_node_put((*of_dev).of_node) };
    }
}

/// The parent, read through the field and put: the field's own device is not released.
pub struct ParentThroughLocal {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for ParentThroughLocal {
    fn drop(&mut self) {
        let dev = self.dev;
        unsafe { bindings::put_device((*dev).parent) };
    }
}

/// The local is assigned the parent before it is put.
pub struct ParentAssigned {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for ParentAssigned {
    fn drop(&mut self) {
        let mut dev = self.dev;
        dev = unsafe { (*dev).parent };
        unsafe { bindings::put_device(dev) };
    }
}

/// A name bound in an inner block, or by a `for` loop, is not the outer one.
pub struct Shadowed {
    parent: *mut bindings::device, //~ raw_device_ptr_field
    child: *mut bindings::device,
    children: [*mut bindings::device; 2],
}

impl Drop for Shadowed {
    fn drop(&mut self) {
        let dev = self.parent;
        {
            let dev = self.child;
            unsafe { bindings::put_device(dev) };
        }
        for dev in [self.children[0], self.children[1]] {
            let _ = dev;
        }
        unsafe { bindings::put_device(self.children[0]) };
        let _ = dev;
    }
}

/// Helpers named for releasing that release no device reference.
pub struct WrappedNonReleases {
    dma_dev: *mut bindings::device, //~ raw_device_ptr_field
    pm_dev: *mut bindings::device, //~ raw_device_ptr_field
}

fn free_coherent(dev: *mut bindings::device) {
    unsafe { bindings::dma_free_coherent(dev, 4096, core::ptr::null_mut(), 0) };
}

fn pm_put(dev: *mut bindings::device) {
    unsafe { bindings::pm_runtime_put_autosuspend(dev) };
}

impl Drop for WrappedNonReleases {
    fn drop(&mut self) {
        free_coherent(self.dma_dev);
        pm_put(self.pm_dev);
    }
}

/// Unregistrations that take the device as a key or free something of it: the device's own
/// reference is not released.
pub struct KeyedUnregistrations {
    intf: *mut bindings::usb_interface, //~ raw_device_ptr_field
    codec: *mut bindings::device, //~ raw_device_ptr_field
    res: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for KeyedUnregistrations {
    fn drop(&mut self) {
        unsafe { bindings::usb_deregister_dev(self.intf, core::ptr::null_mut()) };
        unsafe { bindings::snd_soc_unregister_component(self.codec) };
        unsafe { bindings::devres_destroy(self.res, None, None, core::ptr::null_mut()) };
    }
}

/// An `ARef` made in `Drop` but never dropped releases nothing.
pub struct NeverDropped {
    dev: NonNull<kernel::device::Device>, //~ raw_device_ptr_field
}

impl Drop for NeverDropped {
    fn drop(&mut self) {
        let dev = core::mem::ManuallyDrop::new(unsafe { ARef::from_raw(self.dev) });
        let _ = dev;
    }
}

/// A copy made by a derived `Clone` shares the pointer without a reference: two `Drop`s put it.
#[derive(Clone)]
pub struct ClonedOwner {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for ClonedOwner {
    fn drop(&mut self) {
        unsafe { bindings::put_device(self.dev) };
    }
}

/// A local `dec_ref` is a helper like any other: this one only drops a runtime-PM count.
pub struct LocalDecRef {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

fn dec_ref(dev: *mut bindings::device) {
    unsafe { bindings::pm_runtime_put_autosuspend(dev) };
}

impl Drop for LocalDecRef {
    fn drop(&mut self) {
        dec_ref(self.dev);
    }
}

/// Unregistering a device from an MDIO bus's map releases nothing.
pub struct MdioSlot {
    mdiodev: *mut bindings::mdio_device, //~ raw_device_ptr_field
}

impl Drop for MdioSlot {
    fn drop(&mut self) {
        unsafe { bindings::mdiobus_unregister_device(self.mdiodev) };
    }
}

/// The method `Drop` calls releases another field; a method of another value is not `self`'s.
pub struct Bridge {
    host: *mut bindings::device, //~ raw_device_ptr_field
    port: *mut bindings::device,
    peer: Port,
    link: *mut bindings::device, //~ raw_device_ptr_field
}

impl Bridge {
    fn release_port(&mut self) {
        unsafe { bindings::put_device(self.port) };
    }

    fn release_link(&mut self) {
        unsafe { bindings::put_device(self.link) };
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.release_port();
        self.peer.release();
    }
}
