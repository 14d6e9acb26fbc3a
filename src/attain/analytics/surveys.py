"""Customer satisfaction surveys for the sample company, made up from its won deals (documented as synthetic).

MavenTech has no survey data, so ``demo_surveys`` derives one answer per surveyed won deal, set-based
and deterministic (an MD5 of the opportunity id, not a random generator, so every run and every
machine gets the same rows):

- about 30% of won deals with an account get a survey (``md5`` digit test), answered 7 to 20 days
  after the close;
- the score (1..5) follows a fixed distribution (5: 40%, 4: 35%, 3: 13%, 2: 7%, 1: 5%), one point
  lower when the sales cycle took more than 90 days (never below 1).

The answers are imported through the public ``survey`` importer (``attain demo-surveys``), exactly
like a customer's own survey export would be (docs/metrics.md, "CSAT").
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

SURVEY_SQL = """
WITH won AS (
    SELECT opportunity_id, payee_id, account_id, close_date, cycle_days,
           ('0x' || substr(md5(opportunity_id), 1, 8))::UBIGINT AS h
    FROM deal WHERE status = 'won' AND account_id IS NOT NULL AND close_date IS NOT NULL
),
picked AS (
    SELECT *, (h // 100) % 100 AS draw FROM won WHERE h % 100 < 30
)
SELECT 'CSAT-' || opportunity_id AS survey_id, account_id, payee_id,
       close_date + CAST(7 + (h // 10000) % 14 AS INTEGER) AS date,
       CAST(greatest(1, CASE WHEN draw < 5 THEN 1 WHEN draw < 12 THEN 2 WHEN draw < 25 THEN 3
                             WHEN draw < 60 THEN 4 ELSE 5 END
                        - CASE WHEN cycle_days > 90 THEN 1 ELSE 0 END) AS BIGINT) AS score
FROM picked ORDER BY survey_id
"""


def demo_surveys(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Survey rows (survey_id, account_id, payee_id, date, score) for the won deals on ``con``."""
    return con.execute(SURVEY_SQL).to_arrow_table()
