// Command line of the benchmarks: [--rounds N] [--parse-only] FILE...,
// every file read into memory before timing starts.
#pragma once

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mugai::bench {

struct Inputs {
  int rounds = 5;
  bool parseOnly = false;
  std::vector<std::string> files;
  std::size_t bytes = 0;
};

inline Inputs readInputs(int argc, char** argv, int defaultRounds) {
  Inputs in;
  in.rounds = defaultRounds;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--parse-only") == 0) {
      in.parseOnly = true;
    } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      in.rounds = std::atoi(argv[++i]);
    } else {
      std::ifstream f(argv[i], std::ios::binary);
      std::ostringstream ss;
      ss << f.rdbuf();
      in.files.push_back(ss.str());
      in.bytes += in.files.back().size();
    }
  }
  return in;
}

}  // namespace mugai::bench
