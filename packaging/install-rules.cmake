# The installed layout (docs/packaging.md), included by the top-level CMakeLists.txt. The
# binaries install themselves: sluiced from daemon/CMakeLists.txt, sluicectl from
# cli/CMakeLists.txt. Paths that belong to the system rather than the prefix (/etc, the unit
# directory, /var/lib) are absolute when the prefix is /usr, as GNUInstallDirs does for /etc.
include(GNUInstallDirs)

set(SLUICE_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where sluiced.service is installed (Debian 12: /lib/systemd/system)")
set(SLUICE_TMPFILES_DIR "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d"
    CACHE PATH "Where sluice's tmpfiles.d snippet is installed")
set(SLUICE_STATE_DIR "${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/sluice"
    CACHE PATH "The daemon's state directory (config rules.state lives here)")
set(sluice_conf_dir "${CMAKE_INSTALL_FULL_SYSCONFDIR}/sluice")

install(FILES ${PROJECT_SOURCE_DIR}/systemd/sluiced.service DESTINATION ${SLUICE_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/sluice-tmpfiles.conf
        DESTINATION ${SLUICE_TMPFILES_DIR} RENAME sluice.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/sluice-prompt.desktop
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/xdg/autostart)

install(FILES ${PROJECT_SOURCE_DIR}/config/sluiced.yaml DESTINATION ${sluice_conf_dir})
file(GLOB sluice_shipped_rules ${PROJECT_SOURCE_DIR}/config/rules.d/*.yaml)
install(FILES ${sluice_shipped_rules} DESTINATION ${sluice_conf_dir}/rules.d)
install(DIRECTORY DESTINATION ${SLUICE_STATE_DIR})

# Written by the D-Bus module; guarded so the tree installs while they are being written.
if(EXISTS ${PROJECT_SOURCE_DIR}/dbus/org.sluice.Firewall1.conf)
  install(FILES ${PROJECT_SOURCE_DIR}/dbus/org.sluice.Firewall1.conf
          DESTINATION ${CMAKE_INSTALL_DATADIR}/dbus-1/system.d)
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/dbus/org.sluice.firewall.policy)
  install(FILES ${PROJECT_SOURCE_DIR}/dbus/org.sluice.firewall.policy
          DESTINATION ${CMAKE_INSTALL_DATADIR}/polkit-1/actions)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/docs/man/sluiced.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/sluicectl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/sluice-rules.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
