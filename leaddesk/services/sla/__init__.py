"""The Service Level Agreement between marketing and sales: policies, clocks and period figures."""
