// raw_device_ptr_field: what a `Drop` does with a field before it releases it, and the calls that
// release something else.
//! devref: allow(manual_device_refcount, safety_docs) -- this fixture tests which fields a `Drop` owns

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
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
