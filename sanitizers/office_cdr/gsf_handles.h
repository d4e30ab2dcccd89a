// Owning wrappers for the libgsf / GLib handles office_cdr uses (STYLE:
// RAII, one small header per library). Kept out of core/c_handles.h so that
// only the OLE2 reader needs libgsf's include paths.
#pragma once

#include <glib-object.h>
#include <glib.h>

#include <memory>

namespace mugai::sanitizers::office_cdr {

struct GObjectUnref {
  void operator()(void* o) const {
    if (o != nullptr) g_object_unref(o);
  }
};
/// One reference to a GObject (GsfInput, GsfInfile, ...), dropped on scope exit.
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GErrorFree {
  void operator()(GError* e) const { g_error_free(e); }
};
/// A GError filled in by a GLib call.
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

}  // namespace mugai::sanitizers::office_cdr
