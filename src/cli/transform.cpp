#include "cli/commands.h"
#include "core/errors.h"
#include "core/ops/parse.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"
#include "core/pipeline/plan.h"
#include "core/text.h"
#include "http/error_response.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace imgpipe::cli {

int transform(const Config& config, const TransformArgs& args) {
    try {
        if (!std::filesystem::is_regular_file(args.input)) {
            throw Error(ErrorCode::not_found, "the input file does not exist or is not a regular file");
        }
        Chain chain = parse_chain({args.chain}, config.limits.max_ops);
        const SourceInfo source = probe_image(args.input, config.limits);
        Plan plan = make_plan(chain, source, config.limits,
                              args.literal ? PlanMode::literal : PlanMode::planned);
        // Without a convert op, the output file's extension picks the format.
        const bool has_convert = std::any_of(chain.ops.begin(), chain.ops.end(), [](const Op& op) {
            return std::holds_alternative<Convert>(op);
        });
        std::string ext = to_lower(std::filesystem::path(args.output).extension().string());
        if (!ext.empty()) ext.erase(0, 1);
        if (auto f = format_from_name(ext); f && !has_convert) plan.output = *f;

        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(config.limits.processing_timeout_ms);
        const Encoded out = execute(args.input, plan, config.output, deadline);
        std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
        file.write(out.bytes.data(), static_cast<std::streamsize>(out.bytes.size()));
        if (!file) throw std::runtime_error("cannot write " + args.output);
        std::cout << nlohmann::json{{"format", format_name(out.format)},
                                    {"width", out.width},
                                    {"height", out.height},
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
    }
}

} // namespace imgpipe::cli
