#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "daemon/config.hpp"

namespace sluice {

// Builds the daemon's one logger: the journal (with structured fields) when running under
// systemd or asked to, stderr otherwise. Passed to every component that logs; never global.
std::shared_ptr<spdlog::logger> make_logger(LogTarget target, LogLevel level);
spdlog::level::level_enum to_spdlog_level(LogLevel level);
// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM).
bool running_under_journal();
// Where log.target sends logs: the journal for `journal`, and for `auto` when running under
// systemd's journal; stderr otherwise. The decision log follows the same choice.
bool logs_to_journal(LogTarget target);

}  // namespace sluice
