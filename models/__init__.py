"""The data model: campaign configuration, SQLAlchemy tables and the plain records
passed between layers."""
