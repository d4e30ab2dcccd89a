// Kernel choice, once per process: the fastest kernel this CPU runs, unless
// MUGAI_FORCE_ISA names another (tests, or an operator ruling out a kernel).
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/match/kernels.h"
#include "core/match/matcher.h"

namespace mugai::match {
namespace detail {
namespace {

bool cpuRuns(const Kernel& k) {
  __builtin_cpu_init();
  if (&k == &kAvx512Kernel)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi");
  if (&k == &kAvx2Kernel) return __builtin_cpu_supports("avx2");
  if (&k == &kSsse3Kernel) return __builtin_cpu_supports("ssse3");
  return true;
}

const Kernel* const kAll[] = {&kAvx512Kernel, &kAvx2Kernel, &kSsse3Kernel, &kPortableKernel, &kReferenceKernel};

}  // namespace

const Kernel* kernelNamed(std::string_view name) {
  for (const Kernel* k : kAll)
    if (k->name == name) {
      if (!cpuRuns(*k)) throw std::runtime_error("matcher kernel \"" + std::string(name) + "\" needs instructions this CPU does not have");
      return k;
    }
  throw std::runtime_error("unknown matcher kernel \"" + std::string(name) +
                           "\" (known: avx512, avx2, ssse3, portable, reference)");
}

}  // namespace detail

std::vector<std::string_view> supportedKernels() {
  std::vector<std::string_view> names;
  for (const detail::Kernel* k : detail::kAll)
    if (detail::cpuRuns(*k)) names.push_back(k->name);
  return names;
}

std::string_view defaultKernel() {
  static const std::string chosen = [] {
    const char* forced = std::getenv("MUGAI_FORCE_ISA");
    if (forced && *forced) return std::string(detail::kernelNamed(forced)->name);
    return std::string(supportedKernels().front());
  }();
  return chosen;
}

}  // namespace mugai::match
