#pragma once

#include <string>

namespace imgpipe::test {

// Runs a shell command and returns its standard output. With `exit_code` the status is handed
// back; without it, a non-zero status throws (failing the test).
std::string run_command(const std::string& command, int* exit_code = nullptr);

} // namespace imgpipe::test
