// The sanitizer hooks weft needs for fiber switches, in one place; empty without ASan.
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN 1
#endif
#endif

#ifdef WEFT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace weft::detail {

// Announces a switch to the stack [bottom, bottom + size). fake_stack_save receives this
// context's fake stack (nullptr when the current context is ending for good).
inline void start_switch(void** fake_stack_save, const void* bottom, std::size_t size) {
#ifdef WEFT_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}

// Completes a switch on the new stack; reports the stack we came from.
inline void finish_switch(void* fake_stack_save, const void** from_bottom, std::size_t* from_size) {
#ifdef WEFT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_save, from_bottom, from_size);
#else
  (void)fake_stack_save, (void)from_bottom, (void)from_size;
#endif
}

// Before a jump that skips stack frames (an unwind we start ourselves): ASan forgets their
// poisoned locals.
inline void forget_stack_frames_below() {
#ifdef WEFT_ASAN
  __asan_handle_no_return();
#endif
}

inline void unpoison_memory(void* base, std::size_t size) {
#ifdef WEFT_ASAN
  __asan_unpoison_memory_region(base, size);
#else
  (void)base, (void)size;
#endif
}

}  // namespace weft::detail
