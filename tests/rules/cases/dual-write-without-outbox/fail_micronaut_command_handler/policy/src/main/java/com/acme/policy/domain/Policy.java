package com.acme.policy.domain;

import javax.persistence.Entity;
import javax.persistence.Id;

@Entity
public class Policy {
    @Id
    private String number;

    public String getNumber() { return number; }
}
