"""The open web: sitemap.xml, robots.txt and schema.org data on public pages."""
