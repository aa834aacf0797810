package com.acme.auth;

import io.micronaut.security.authentication.UsernamePasswordCredentials;
import org.junit.jupiter.api.Test;

class LoginTest {

    @Test
    void loginSucceeds() {
        UsernamePasswordCredentials upc = new UsernamePasswordCredentials("jimmy.solid","secret");
    }
}
