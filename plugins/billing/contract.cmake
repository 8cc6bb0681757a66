# billing's contract (CodeCouncil::billing_contract): BillingService and CreditLedger, the
# services other plugins use. Included by sdk/CMakeLists.txt so it installs with the SDK.
codecouncil_add_contract(billing INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/include)
