#include "support/command.h"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <sys/wait.h>

namespace imgpipe::test {

std::string run_command(const std::string& command, int* exit_code) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) throw std::runtime_error("popen failed");
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (exit_code) {
        *exit_code = code;
    } else if (code != 0) {
        throw std::runtime_error("command failed (" + std::to_string(code) + "): " + command);
    }
    return out;
}

} // namespace imgpipe::test
