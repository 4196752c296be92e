"""Use cases by capability: public modules take the actor first; `_`-modules are in-transaction helpers."""
