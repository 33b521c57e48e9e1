// Look-alikes of the accessors and owned fields whose pointers are alive by construction
// (tests/ui/legacy_raw_device.rs): each one here says so only by its shape or its words, and each
// call still needs its SAFETY comment to say what keeps the device alive.
//! devref: allow(manual_device_refcount, raw_device_ptr_field) -- this fixture tests the safety comments

use kernel::bindings;

/// A counted device.
///
/// # Invariants
///
/// `ptr` has a non-zero reference count, owned by this value.
pub struct Counted {
    ptr: *mut bindings::device,
}

impl Counted {
    /// # Safety
    ///
    /// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count.
    pub unsafe fn new(ptr: *mut bindings::device) -> Self {
        // SAFETY: By the safety requirements, `ptr` has a non-zero reference count.
        unsafe { bindings::get_device(ptr) };
        Self { ptr }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        // SAFETY: By the type invariants, `self` owns a reference.
        unsafe { bindings::put_device(self.ptr) };
    }
}

/// A context that keeps someone else's device as a cookie: no contract makes `dev_ptr` its own.
pub struct Context {
    cookie: *mut core::ffi::c_void,
}

impl Context {
    pub fn dev_ptr(&self) -> *mut bindings::device {
        self.cookie.cast()
    }

    pub fn hold(&self) -> Counted {
        // SAFETY: `self` is valid for the duration of this call.
        unsafe { Counted::new(self.dev_ptr()) } //~ safety_comment_missing_refcount
    }
}

/// A device's own pointer, by an unsafe trait's contract, under a name another type also uses.
///
/// # Safety
///
/// Implementers return the `struct device` of `self`.
pub unsafe trait OwnDevice {
    fn own_device(&self) -> *mut bindings::device;
}

/// The other `own_device`: a stored pointer, not the receiver's own device.
pub struct Stash {
    stored: *mut bindings::device,
}

impl Stash {
    pub fn own_device(&self) -> *mut bindings::device {
        self.stored
    }
}

pub fn hold_own(dev: &dyn OwnDevice) -> Counted {
    // SAFETY: `dev` is valid for the duration of this call.
    unsafe { Counted::new(dev.own_device()) } //~ safety_comment_missing_refcount
}

/// A field that `Drop` passes to `free_irq`, which frees the interrupt, not the device.
pub struct Irq {
    irq: u32,
    dev: *mut bindings::device,
}

impl Irq {
    pub fn device(&self) -> Counted {
        // SAFETY: `self.dev` is the device the interrupt was requested for.
        unsafe { Counted::new(self.dev) } //~ safety_comment_missing_refcount
    }
}

impl Drop for Irq {
    fn drop(&mut self) {
        // SAFETY: the interrupt was requested with this cookie.
        unsafe { bindings::free_irq(self.irq, self.dev.cast()) };
    }
}

/// A field that `Drop` puts: alive while `self` is borrowed, but not in `Drop` itself, nor when
/// `self` is taken by value.
pub struct Holder {
    dev: *mut bindings::device,
}

impl Holder {
    pub fn counted(&self) -> Counted {
        // SAFETY: `self` holds a reference on `dev` until it is dropped.
        unsafe { Counted::new(self.dev) }
    }

    pub fn into_counted(self) -> Counted {
        // SAFETY: `self.dev` is valid.
        unsafe { Counted::new(self.dev) } //~ safety_comment_missing_refcount
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        // SAFETY: `self` owns the reference on `dev`.
        unsafe { bindings::put_device(self.dev) };
        // SAFETY: `self.dev` is valid.
        let _late = unsafe { Counted::new(self.dev) }; //~ safety_comment_missing_refcount
    }
}
