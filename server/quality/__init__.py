"""The quality loop on the server: holds, reactions, NCRs, dispositions, people's actions."""
