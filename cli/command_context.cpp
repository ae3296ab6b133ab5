#include "cli/command_context.hpp"

#include "cli/json_text.hpp"

namespace sluice::cli {

int CommandContext::fail(const Failure& failure) const {
    err << "sluicectl: " << failure.message << '\n';
    return failure.exit_code;
}

void CommandContext::print_json(const Value& value) const {
    out << to_json(value) << '\n';
}

}  // namespace sluice::cli
