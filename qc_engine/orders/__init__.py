"""Sales figures from shops' order exports: 询单转化率, 客单价 and orders per agent (see docs/sales-figures.md)."""
from qc_engine.orders.api import ORDER_FIELDS, Order, OrderFileError, OrderLoader, OrderLoadOptions, clean_order
from qc_engine.orders.apply import OrdersError, OrdersOptions, OrdersSummary, apply_orders
from qc_engine.orders.conversion import Contact, Figures, OrderFact, SalesResult, ShopDayFigures, compute_sales, counts_as_paid
from qc_engine.orders.daily import refresh_sales
from qc_engine.orders.settings import ORDERS_SECTION_SCHEMA, SalesSettings, SettingsBook

__all__ = [
    "ORDER_FIELDS", "ORDERS_SECTION_SCHEMA", "Contact", "Figures", "Order", "OrderFact", "OrderFileError",
    "OrderLoader", "OrderLoadOptions", "OrdersError", "OrdersOptions", "OrdersSummary", "SalesResult", "SalesSettings",
    "SettingsBook", "ShopDayFigures", "apply_orders", "clean_order", "compute_sales", "counts_as_paid", "refresh_sales",
]
