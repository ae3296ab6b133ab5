#include <getopt.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>

#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/firewall_removal.hpp"

namespace {

void print_help() {
    std::cout << R"(Usage: sluiced [OPTIONS]

sluiced is an application firewall. The kernel hands it the first packet of every new
connection through NFQUEUE; it finds which process, user and host the connection belongs to,
decides with its rules (allow, deny, reject, or ask a prompt agent), and stores the decision
in the connection's conntrack mark so the rest of the flow stays in the kernel.

Options:
  --config FILE      configuration file (default )"
              << sluice::kDefaultConfigPath << R"(); when the default file
                     does not exist the embedded defaults below are used
  --foreground       stay in the foreground and log to stderr (also prints every decision)
  --log-level LEVEL  trace, debug, info, warn or error; overrides log.level
  --check-config     load the configuration and every rules file, print each problem as
                     FILE:LINE:COL: error: MESSAGE, exit 0 when clean and 1 otherwise;
                     nothing is changed
  --remove-firewall  delete every sluice chain and jump (iptables, ip6tables, their -legacy
                     variants, nft table inet sluice) in this network namespace, whatever
                     the configuration says, and exit (0, or 2 when a removal failed); the
                     package runs it on removal so no fail: closed queue rule stays behind
  --help             show this help
  --version          print the version

Signals:
  SIGHUP             reload the configuration and rules, re-check the firewall chains
  SIGTERM, SIGINT    stop; with fail: open the chains are removed, with fail: closed the
                     queue rule stays so new connections fail while sluiced is down
  SIGUSR1            log one line of counters ("stats: ...")

Exit status:
  0 clean stop, 1 bad configuration, 2 could not bind the queue, the bus or the firewall

Configuration keys (YAML; unknown keys are errors):
)" << sluice::config_reference_text()
              << R"(
Files:
  /etc/sluice/sluiced.yaml        configuration
  /etc/sluice/rules.d/*.yaml      admin rules, read in name order (see sluice-rules(5))
  /var/lib/sluice/rules.yaml      rules made by prompts and over D-Bus
)";
}

int remove_firewall_rules() {
    sluice::ProcessCommandRunner runner;
    const auto report = sluice::remove_all_firewall_rules(runner);
    for (const auto& removed : report.removed) {
        std::printf("sluiced: removed %s\n", removed.c_str());
    }
    for (const auto& skipped : report.skipped) {
        std::printf("sluiced: skipped %s\n", skipped.c_str());
    }
    for (const auto& error : report.errors) {
        std::fprintf(stderr, "sluiced: %s\n", error.message().c_str());
    }
    if (report.removed.empty() && report.errors.empty()) {
        std::printf("sluiced: no sluice firewall rules found\n");
    }
    return report.errors.empty() ? sluice::kExitClean : sluice::kExitCannotBind;
}

}  // namespace

int main(int argc, char** argv) {
    sluice::DaemonOptions options;
    options.config_path = sluice::kDefaultConfigPath;
    bool check_only = false;
    bool remove_firewall = false;
    enum : int {
        kConfig = 1,
        kForeground,
        kLogLevel,
        kCheckConfig,
        kHelp,
        kVersion,
        kRemoveFirewall
    };
    const option long_options[] = {
        {"config", required_argument, nullptr, kConfig},
        {"foreground", no_argument, nullptr, kForeground},
        {"log-level", required_argument, nullptr, kLogLevel},
        {"check-config", no_argument, nullptr, kCheckConfig},
        {"help", no_argument, nullptr, kHelp},
        {"version", no_argument, nullptr, kVersion},
        {"remove-firewall", no_argument, nullptr, kRemoveFirewall},
        {nullptr, 0, nullptr, 0},
    };
    for (;;) {
        const int choice = getopt_long(argc, argv, "", long_options, nullptr);
        if (choice == -1) {
            break;
        }
        switch (choice) {
            case kConfig:
                options.config_path = optarg;
                options.config_path_given = true;
                break;
            case kForeground:
                // Logging goes to stderr unless log.target says otherwise; nothing forks.
                break;
            case kLogLevel: {
                auto level = sluice::parse_log_level(optarg);
                if (!level) {
                    std::fprintf(stderr,
                                 "sluiced: --log-level must be trace, debug, info, warn or "
                                 "error, not '%s'\n",
                                 optarg);
                    return sluice::kExitBadConfig;
                }
                options.log_level = level;
                break;
            }
            case kCheckConfig:
                check_only = true;
                break;
            case kHelp:
                print_help();
                return sluice::kExitClean;
            case kVersion:
                std::printf("sluiced %s\n", SLUICE_VERSION);
                return sluice::kExitClean;
            case kRemoveFirewall:
                remove_firewall = true;
                break;
            default:
                std::fprintf(stderr, "Try 'sluiced --help' for more information.\n");
                return sluice::kExitBadConfig;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "sluiced: unexpected argument '%s'\n", argv[optind]);
        return sluice::kExitBadConfig;
    }
    if (check_only) {
        return sluice::check_configuration(options);
    }
    if (remove_firewall) {
        return remove_firewall_rules();
    }
    auto config = sluice::load_daemon_config(options);
    if (!config) {
        return sluice::kExitBadConfig;
    }
    return sluice::run_daemon(options, std::move(*config));
}
