"""The PAY error codes of the pay stage and the payout services (listed in docs/errors.md)."""

from __future__ import annotations

from attain.core.errors import register

PAY001 = register("PAY001", "The plans of one pay run use different pay periods or fiscal calendars")
PAY002 = register("PAY002", "A payout rule names a component the plan does not have")
PAY003 = register("PAY003", "A draw's period (start, end, recovery) is not a period of the plan's calendar")
PAY010 = register("PAY010", "No FX rate from the line's currency to the payee's currency on or before "
                            "the period end: the line is kept in its own currency")
PAY011 = register("PAY011", "A currency Attain does not know (no minor unit): the line is not rounded")
PAY020 = register("PAY020", "A deal under a pay-on-invoice/payment schedule has no opportunity_id: "
                            "its held part can never be released")
PAY021 = register("PAY021", "A clawback with prorate_by_term on a deal without contract_term_months: "
                            "the whole earning is taken back")
PAY031 = register("PAY031", "A period cannot move to this status from its current status")
PAY032 = register("PAY032", "Another run is calculating one of these periods:"
                            " runs of a period are serialized")
PAY033 = register("PAY033", "An approval names a run that is not the latest successful run of the period")
PAY034 = register("PAY034", "This role cannot approve at this step (manager first, then finance)")
PAY035 = register("PAY035", "A run was silent longer than its lock lease and another run took its "
                            "period over: it stores nothing")
PAY040 = register("PAY040", "No such run, payout line, dispute or adjustment")
PAY041 = register("PAY041", "A dispute cannot take this step from its current status")
PAY042 = register("PAY042", "An adjustment needs a reason, a non-zero amount and a known currency")
PAY043 = register("PAY043", "An adjustment cannot be approved by its own author")
PAY050 = register("PAY050", "A payroll layout mapping names a column Attain does not export")
