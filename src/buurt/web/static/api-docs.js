// Starts Swagger UI on /docs (web/api_docs.py): a file, not an inline script, for the CSP.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    // No call to the public validator service: the page makes no request off this server.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    persistAuthorization: false,
    // Tags start folded: the page lists every tag at once, and a tap opens one.
    docExpansion: "none",
  });
})();
