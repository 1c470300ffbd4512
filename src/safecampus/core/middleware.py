class ChineseByDefaultMiddleware:
    """The UI is Chinese unless the user picked another language (the language cookie):
    the browser's Accept-Language is not consulted, so an English-language browser at a
    bureau still gets the Chinese platform."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
