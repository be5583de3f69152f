"""Every API list is paged the same way: ``count``, ``next``, ``previous``, ``results``; ``?page=`` and
``?page_size=`` (up to MAX_PAGE_SIZE, so that one request cannot ask for a whole table)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
