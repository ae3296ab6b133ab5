#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

#include "daemon/config.hpp"

namespace sluice {

struct DaemonOptions {
    std::string config_path;
    bool config_path_given = false;     // an explicit --config must exist; the default may not
    std::optional<LogLevel> log_level;  // --log-level overrides log.level
};

// Exit codes of sluiced (spec/config.md).
constexpr int kExitClean = 0;
constexpr int kExitBadConfig = 1;
constexpr int kExitCannotBind = 2;

// Loads the config at `options.config_path` (embedded defaults when the default path does not
// exist), printing each problem as FILE:LINE:COL: error: MESSAGE to stderr. nullopt on errors.
std::optional<Config> load_daemon_config(const DaemonOptions& options);

// `sluiced --check-config`: config and every rules file, all problems printed; exit code.
int check_configuration(const DaemonOptions& options);

// Runs the daemon until SIGTERM/SIGINT; returns the process exit code.
int run_daemon(const DaemonOptions& options, Config config);

}  // namespace sluice
