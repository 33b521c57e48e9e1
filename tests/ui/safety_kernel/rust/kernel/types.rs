//! Kernel types.

use core::ptr::NonNull;

/// Stores an opaque value.
#[repr(transparent)]
pub struct Opaque<T>(core::cell::UnsafeCell<core::mem::MaybeUninit<T>>);

impl<T> Opaque<T> {
    /// A raw pointer to the value.
    pub const fn get(&self) -> *mut T {
        self.0.get().cast()
    }
}

/// Types that are internally reference counted.
///
/// # Safety
///
/// Implementers must ensure that increments to the reference count keep the object alive.
pub unsafe trait AlwaysRefCounted {
    /// Increments the reference count on the object.
    fn inc_ref(&self);

    /// Decrements the reference count on the object.
    ///
    /// # Safety
    ///
    /// Callers must ensure that there was a previous matching increment to the refcount, and that
    /// the object is no longer used after its refcount is decremented.
    unsafe fn dec_ref(obj: NonNull<Self>);
}

/// A counted reference.
pub struct ARef<T: AlwaysRefCounted> {
    ptr: NonNull<T>,
}

impl<T: AlwaysRefCounted> ARef<T> {
    /// Takes over a reference.
    ///
    /// # Safety
    ///
    /// Callers must ensure that the reference count was incremented at least once, and that they
    /// are properly relinquishing one increment.
    pub unsafe fn from_raw(ptr: NonNull<T>) -> Self {
        ARef { ptr }
    }
}
