// libxml2 initialised once per process, before any thread parses.
// libxml2 sets up its globals (the mutex of its random source among them)
// lazily, and two threads doing it at once can deadlock inside
// xmlRMutexLock (seen: `mugai scan --jobs 2` hung with both workers in
// xmlDictCreate). Its documentation asks for xmlInitParser() once before
// threads use it; every sanitizer that parses with libxml2 calls this first.
#pragma once

#include <libxml/parser.h>

#include <mutex>

namespace mugai::sanitizers {

inline void initLibxml2() {
  static std::once_flag initialised;  // one for the process: an inline function's static is shared
  std::call_once(initialised, [] { xmlInitParser(); });
}

}  // namespace mugai::sanitizers
