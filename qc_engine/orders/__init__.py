"""Sales figures from shops' order exports: 询单转化率, 客单价 and orders per agent (see docs/sales-figures.md)."""
from .api import ORDER_FIELDS, Order, OrderFileError, OrderLoader, OrderLoadOptions, clean_order, order_loaders
from .apply import OrdersError, OrdersOptions, OrdersSummary, apply_orders
from .conversion import Contact, Figures, OrderFact, SalesResult, ShopDayFigures, compute_sales, counts_as_paid
from .daily import refresh_sales
from .settings import ORDERS_SECTION_SCHEMA, SalesSettings, SettingsBook

__all__ = [
    "ORDER_FIELDS", "ORDERS_SECTION_SCHEMA", "Contact", "Figures", "Order", "OrderFact", "OrderFileError",
    "OrderLoader", "OrderLoadOptions", "OrdersError", "OrdersOptions", "OrdersSummary", "SalesResult", "SalesSettings",
    "SettingsBook", "ShopDayFigures", "apply_orders", "clean_order", "compute_sales", "counts_as_paid", "order_loaders",
    "refresh_sales",
]
