// The benchmark tools' corpus reading: a file's bytes, whole.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace archived::bench {

// The bytes of the file at `path`. A file that cannot be opened ends the tool (exit status 2)
// with a message naming it, rather than being measured as an empty document.
inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace archived::bench
