package com.acme.policy.domain;

public interface PolicyRepository {
    void save(Policy policy);
}
