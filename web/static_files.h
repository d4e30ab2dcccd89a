// The console's CSS and JS, compiled in (web/static/; nothing is fetched
// at run time, no CDN).
#pragma once

#include <string_view>

namespace mugai::web {

struct StaticFile {
  std::string_view name;  ///< "mugai.css"
  const char* type;       ///< Content-Type
  std::string_view body;
};

/// The file called `name`, or null.
const StaticFile* findStaticFile(std::string_view name);

}  // namespace mugai::web
