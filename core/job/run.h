// The job worker's half of a job: the request through the pipeline
// (processMail / processFile), flattened into a job::Result. This is the
// only place a parsed tree becomes what the parent sees; it runs in the
// confined worker (worker/main.cpp) and in tests.
#pragma once

#include "core/config.h"
#include "core/job/job.h"
#include "core/pipeline.h"

namespace mugai::job {

/// Runs `request` under `config` with `pipeline` (the caller picks the
/// configured or the release pipeline by request.policy). Never throws for
/// bad input.
Result runJob(Request request, const Config& config, const Pipeline& pipeline);

}  // namespace mugai::job
