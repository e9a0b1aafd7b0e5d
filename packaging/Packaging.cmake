# Installation and the Debian package.
#   cmake --install build [--prefix /usr]   the binary, the systemd unit, /etc/default/rampart, docs
#   (cd build && cpack)                     build/rampart_<version>_<arch>.deb
# The .deb's dependencies are computed from the binary by dpkg-shlibdeps: Debian 12's packages.
include(GNUInstallDirs)
install(TARGETS rampart RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The unit names the binary where this install puts it: made at install time, when
# CMAKE_INSTALL_PREFIX is the prefix in effect (--prefix, or /usr inside cpack).
install(CODE "
  set(RAMPART_BIN \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/rampart\")
  set(RAMPART_DOC \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/packaging/rampart.service.in\"
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system/rampart.service\" @ONLY)
  message(STATUS \"Installing: \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system/rampart.service\")
")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/default DESTINATION /etc/default RENAME rampart)
# The unit's user: a sysusers.d entry, made at once when installing onto this machine (not into
# a DESTDIR or a package, whose postinst makes it).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sysusers.conf DESTINATION lib/sysusers.d
  RENAME rampart.conf)
install(CODE "
  if(\"\$ENV{DESTDIR}\" STREQUAL \"\" AND NOT CPACK_GENERATOR)
    find_program(SYSUSERS systemd-sysusers)
    if(SYSUSERS)
      execute_process(COMMAND \${SYSUSERS} \"\${CMAKE_INSTALL_PREFIX}/lib/sysusers.d/rampart.conf\")
    else()
      message(STATUS \"systemd-sysusers not found: create the rampart user before starting the unit\")
    endif()
  endif()
")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rampart)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Rampart <rampart@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "AWS security and monitoring services (IAM, STS, KMS, CloudTrail, ...) on a machine you own")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# /etc/default/rampart is a conffile: an upgrade keeps the operator's edits.
set(CPACK_DEBIAN_PACKAGE_CONFFILES /etc/default/rampart)
include(CPack)
