#include "cli/commands.h"
#include "core/errors.h"
#include "core/ops/parse.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"
#include "core/pipeline/plan.h"
#include "core/text.h"
#include "http/error_response.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace imgpipe::cli {

namespace {

// The format the output's name asks for (when the chain has no convert): none for "-" and for a
// name without extension (the source's format then), an error for an extension imgpipe cannot write.
std::optional<Format> format_of_output(const std::string& output) {
    if (output == "-") return std::nullopt;
    std::string ext = to_lower(std::filesystem::path(output).extension().string());
    if (ext.empty()) return std::nullopt;
    if (auto f = format_from_name(ext.substr(1))) return f;
    throw Error(ErrorCode::bad_request, "cannot write images as '" + ext +
                                            "': name the output .jpg, .png, .webp, .gif, .tif or "
                                            ".avif, or add a convert op");
}

// The input is named in the message: on the command line the path is the user's own. A missing
// file is not_found, as an unknown id is in the API; what exists but cannot be read is bad_request.
void check_input(const std::string& input) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(input, ec);
    if (status.type() == fs::file_type::not_found) {
        throw Error(ErrorCode::not_found, input + ": no such file");
    }
    if (ec) throw Error(ErrorCode::bad_request, input + ": " + ec.message());
    if (!fs::is_regular_file(status)) {
        throw Error(ErrorCode::bad_request, input + ": not a regular file");
    }
    if (!std::ifstream(input, std::ios::binary)) {
        throw Error(ErrorCode::bad_request, input + ": cannot be read (" + std::strerror(errno) + ")");
    }
}

// Writes the whole file or nothing: a failed write removes what it had begun.
void write_output(const std::string& output, const std::string& bytes) {
    if (output == "-") {
        std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        std::cout.flush();
        if (!std::cout) throw Error(ErrorCode::internal, "cannot write to standard output");
        return;
    }
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    const bool opened = file.is_open(); // else what is there (a directory, say) is not ours to remove
    if (file) file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (file) file.close();
    if (!file) {
        const std::string why = std::strerror(errno);
        std::error_code ignored;
        if (opened) std::filesystem::remove(output, ignored);
        throw Error(ErrorCode::bad_request, "cannot write the output file " + output + ": " + why);
    }
}

} // namespace

int transform(const Config& config, const TransformArgs& args) {
    try {
        check_input(args.input);
        Chain chain = parse_chain({args.chain}, config.limits.max_ops);
        const bool converts = std::any_of(chain.ops.begin(), chain.ops.end(), is<Convert>);
        const std::optional<Format> named = converts ? std::nullopt : format_of_output(args.output);
        SourceInfo source = probe_image(args.input, config.limits);
        // Without a convert op, the output file's extension picks the format (the plan must know
        // it: whether an animation keeps its frames depends on it).
        if (named) source.default_output = *named;
        const Plan plan = make_plan(chain, source, config.limits,
                                    args.literal ? PlanMode::literal : PlanMode::planned);

        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(config.limits.processing_timeout_ms);
        const Encoded out = execute(args.input, plan, config.output, deadline);
        write_output(args.output, out.bytes);
        // With the image on standard output, the summary goes to standard error.
        (args.output == "-" ? std::cerr : std::cout)
            << nlohmann::json{{"format", format_name(out.format)},
                              {"width", out.width},
                              {"height", out.height},
                              {"frames", out.frames},
                              {"bytes", out.bytes.size()},
                              {"chain", chain.canonical()},
                              {"shrink_on_load", plan.shrink_on_load.has_value()}}
                   .dump()
            << std::endl;
        return 0;
    } catch (const Error& e) {
        // Worded exactly as the HTTP API answers: the same code, the same message, the same JSON.
        std::cerr << http::error_body(e.code(), e.what()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << http::error_body(ErrorCode::internal, e.what()) << "\n";
        return 1;
    }
}

} // namespace imgpipe::cli
