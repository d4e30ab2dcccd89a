// One config file as read: its name (for messages) and its TOML text. The
// job pool sends a worker these texts, which it merges as the parent did.
#pragma once

#include <string>

namespace mugai {

struct ConfigText {
  std::string name;
  std::string text;
};

}  // namespace mugai
