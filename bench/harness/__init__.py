"""The harness every part uses: results and timing (core), rendering (report), the scripted
residents (script) and their driver (drive), databases (db), the generated district (generate,
prefill), the broadcast world run in its own interpreter (bcastworld) and the start-up probe
(startup)."""
