#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace imgpipe {

// The op catalogue: every op of the op list (op.h) with its names, summary, argument forms
// (pattern, human syntax, each argument's kind, range or choices, example) and README examples,
// from the ops' own `doc` (op_doc.h). GET /ops answers it; the page builds its chain builder
// from it. Choices of gravities and formats come from the parser's and the format table.
nlohmann::json op_catalog();

// "fit:<width>x<height>[:<mode>[:<gravity>]]": an op's name and a form's pattern as people read it.
std::string op_syntax(std::string_view name, std::string_view pattern);

} // namespace imgpipe
