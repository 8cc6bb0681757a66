# audit's contract (CodeCouncil::audit_contract): the AuditLog service and its entry and query
# types. Included by sdk/CMakeLists.txt so it installs with the SDK.
codecouncil_add_contract(audit INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/include)
