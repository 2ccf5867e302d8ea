"""Small function views returning templates; htmx requests get a partial ("page.html#part").

Access is resolved once per request into a SessionAccess (views.access.session_access) and handed
to every selector, service and template.
"""
