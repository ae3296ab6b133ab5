#pragma once

#include <ostream>

#include <sdbus-c++/IConnection.h>

#include "cli/bus_failure.hpp"
#include "cli/bus_target.hpp"
#include "cli/command_line.hpp"
#include "cli/value.hpp"

namespace sluice::cli {

// What every command gets from main: the parsed invocation, where to print, and the bus
// connection (nullptr for commands that need no daemon). Commands return the exit status; a
// D-Bus error reply escapes as sdbus::Error and main turns it into one line (bus_failure.hpp).
struct CommandContext {
    const Invocation& invocation;
    const BusTarget& bus_target;
    sdbus::IConnection* bus;
    std::ostream& out;
    std::ostream& err;

    // Prints "sluicectl: MESSAGE" on err and returns the failure's exit code.
    int fail(const Failure& failure) const;
    // Prints `value` as one line of JSON on out.
    void print_json(const Value& value) const;
};

}  // namespace sluice::cli
